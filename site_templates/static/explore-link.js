/*
 * ExploreLink: the live explorer's analysis and view as a link (UrlState's hash), and back.
 *   An analysis: {text, model, method, top_k, compare: "" | "text" | "model", text2 (compare "text"),
 *     model2 (compare "model")}: the answers it needs are ExploreLink.requests(analysis).
 *   The hash: the analysis's fields, then variant, token, layer (the first view's), token2, layer2 (the
 *     second's, side by side), and point, reference, metric where not the study's view (JourneyViews), e.g.
 *     #text=Time+flies&model=minilm&method=exact&top_k=15&variant=raw&token=2&point=block-output.
 *
 *   fromForm(form), analysis(hashValues) -> analysis; fill(form, analysis);
 *   requests(analysis) -> [POST /api/analyze body, ...]; key(analysis) -> text naming it; models(analysis);
 *   viewOptions(hashValues) -> {variant, point, reference, metric, sides: [{selected, layer}, {selected, layer}]};
 *   write(analysis, states, push): the hash for the analysis and the views' states (JourneyView's).
 * A classic script; needs url-state.js and journey-views.js.
 */
(function (global) {
  "use strict";

  function normalised(fields) {
    var analysis = {
      text: fields.text || "",
      model: fields.model || "",
      method: fields.method || "exact",
      top_k: Number(fields.top_k) || 15,
      compare: fields.compare === "text" || fields.compare === "model" ? fields.compare : "",
    };
    if (analysis.compare === "text") analysis.text2 = fields.text2 || "";
    if (analysis.compare === "model") analysis.model2 = fields.model2 || "";
    return analysis;
  }

  function fromForm(form) {
    var fields = {};
    ["text", "model", "method", "top_k", "compare", "text2", "model2"].forEach(function (name) {
      fields[name] = form.elements[name].value;
    });
    return normalised(fields);
  }

  function fill(form, analysis) {
    Object.keys(analysis).forEach(function (name) { form.elements[name].value = String(analysis[name]); });
  }

  function requests(analysis) {
    var first = { text: analysis.text, model: analysis.model, method: analysis.method, top_k: analysis.top_k };
    if (!analysis.compare) return [first];
    var second = Object.assign({}, first);
    if (analysis.compare === "text") second.text = analysis.text2;
    else second.model = analysis.model2;
    return [first, second];
  }

  function models(analysis) {
    return analysis.compare === "model" ? [analysis.model, analysis.model2] : [analysis.model];
  }

  function viewOptions(values) {
    function layer(text) { return text === undefined ? null : UrlState.number(text); }
    return Object.assign({
      variant: values.variant,
      sides: [
        { selected: UrlState.number(values.token), layer: layer(values.layer) },
        { selected: UrlState.number(values.token2), layer: layer(values.layer2) },
      ],
    }, JourneyViews.fromHash(values));
  }

  function write(analysis, states, push) {
    var values = Object.assign({}, analysis);
    if (!values.compare) delete values.compare;
    if (states[0]) {
      values.variant = states[0].variant;
      values.token = states[0].selected;
      values.layer = states[0].layer;
      Object.assign(values, JourneyViews.hashValues(states[0]));
    }
    if (states[1]) {
      values.token2 = states[1].selected;
      values.layer2 = states[1].layer;
    }
    UrlState.write(values, push);
  }

  global.ExploreLink = {
    fromForm: fromForm,
    analysis: normalised,
    fill: fill,
    requests: requests,
    key: function (analysis) { return JSON.stringify(analysis); },
    models: models,
    viewOptions: viewOptions,
    write: write,
  };
})(window);
