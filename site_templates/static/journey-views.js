/*
 * JourneyViews: the views of a journey beyond the study's (where each layer's encoding is read, what it is
 * ranked against, and how it is compared), their switches and how each view's values are shown.
 *   A view: {point: "post-attention" | "block-output", reference: "input" | "output",
 *     metric: "cosine" | "euclidean"}, named by JourneyViews.key(view) ("post-attention/input/cosine").
 *   JourneyViews.STUDY: the study's view, the one the pages ship inline and the explorer asks for first.
 *   JourneyViews.METRICS: the metrics every model offers against the input rows.
 *   JourneyViews.METHOD: the method every other view is computed by (the published demo's computation is
 *     defined in the study's view only).
 *   JourneyViews.measure(view) -> {key, label, name, caption, chartCaption, rankCaption, format(value),
 *     hover (the charts' number format)}: the value a view
 *     reports per token and layer (similarity, distance, or the lens's probability) and how it is shown.
 *   JourneyViews.choice(id, offer, setView) -> {element, update(state)}: the switches for what `offer`
 *     ({points, references, metrics, neighbours}) holds, only those the model offers; update marks the
 *     state's view and disables them while the method is one only the study's view defines.
 *   JourneyViews.hashValues(state) -> {point, reference, metric} for the URL hash, null where the study's
 *     (so a link to the study's view reads as before); JourneyViews.fromHash(values) -> the view it names.
 *   JourneyViews.STUDY_ONLY_DOWNLOADS: why a gallery page offers no download of another view.
 *   JourneyViews.register(name, data): called by a views file (gallery/journey_files.py).
 *   JourneyViews.sidecar(src, page) -> load(key, callback): loads, once, the views file beside a gallery
 *     page, then calls callback(journeysByMethod of that view) or callback(null, message).
 * A classic script (no modules) so gallery pages work opened from disk; needs dom.js (and JourneyView's
 * fromCompact when a sidecar is read).
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var STUDY = { point: "post-attention", reference: "input", metric: "cosine" };
  var LABELS = {
    point: { "post-attention": "after attention", "block-output": "block output" },
    reference: { input: "input embeddings", output: "output head (logit lens)" },
    metric: { cosine: "cosine", euclidean: "Euclidean" },
  };
  var TITLES = { point: "Read at", reference: "Compare with", metric: "Measure" };
  var OFFERS = { point: "points", reference: "references", metric: "metrics" };
  var METHOD = "exact";
  var METRICS = ["cosine", "euclidean"];  // every model offers both (indexer/options.py METRICS)
  var registered = {};

  function key(view) { return view.point + "/" + view.reference + "/" + view.metric; }

  function formatProbability(value) {
    if (value === null || value === undefined) return "–";
    return value !== 0 && value < 0.001 ? value.toExponential(2) : value.toFixed(4);
  }

  function measure(view) {
    if (view.reference === "output") {
      return { key: "probability", label: "probability", name: "probability", format: formatProbability, hover: ".3g",
        heading: "Probability and rankings",
        caption: "One column per layer: the tokens the output head ranks highest for the selected token's " +
          "encoding (the logit lens), most probable first, with their probability. The token itself is " +
          "highlighted; the last row gives its rank and probability at every layer.",
        chartCaption: "The probability the output head gives the token at each layer (the logit lens). " +
          "Every token is a faint line; the selected one is highlighted. Click a point to select its token and layer.",
        rankCaption: "How many tokens the output head scores above the token, on a log scale with rank 0 " +
          "(the most probable) at the top." };
    }
    if (view.metric === "euclidean") {
      return { key: "distance", label: "Euclidean distance", name: "distance", format: Dom.formatSimilarity, hover: ".4f",
        heading: "Distance and rankings",
        caption: "One column per layer: the vocabulary tokens nearest to the selected token's encoding by " +
          "Euclidean distance, nearest first, with their distance. The token's own vocabulary row is " +
          "highlighted; the last row gives its rank and distance at every layer.",
        chartCaption: "Euclidean distance between each token's encoding and its own vocabulary row. Every " +
          "token is a faint line; the selected one is highlighted. Click a point to select its token and layer.",
        rankCaption: "How many vocabulary tokens are nearer than the token's own row, on a log scale with " +
          "rank 0 (still the nearest) at the top." };
    }
    return { key: "similarity", label: "cosine similarity", name: "similarity", format: Dom.formatSimilarity, hover: ".4f",
      heading: "Similarity and rankings",
      caption: "One column per layer: the vocabulary tokens nearest to the selected token's encoding, most " +
        "similar first, with their cosine similarity. The token's own vocabulary row is highlighted; the last " +
        "row gives its rank and similarity at every layer.",
      chartCaption: "Cosine similarity between each token's encoding and its own vocabulary row. Every token " +
        "is a faint line; the selected one is highlighted. Click a point to select its token and layer.",
      rankCaption: "How many vocabulary tokens are nearer than the token's own row, on a log scale with " +
        "rank 0 (still the nearest) at the top." };
  }

  /* One <select> per choice the model offers more than one value of; none at all when it offers one view. */
  function choice(id, offer, setView) {
    var selects = {};
    var fields = Object.keys(OFFERS).filter(function (name) { return (offer[OFFERS[name]] || []).length > 1; });
    if (!fields.length) return { element: null, update: function () {} };
    var note = el("small", { className: "jv-view-note" });
    var box = el("fieldset", { className: "jv-views" }, [el("legend", { text: "View" })]);
    fields.forEach(function (name) {
      var select = el("select", { name: id + "-" + name, "data-view": name });
      offer[OFFERS[name]].forEach(function (value) { select.appendChild(new Option(LABELS[name][value] || value, value)); });
      select.addEventListener("change", function () {
        var wanted = {};
        wanted[name] = select.value;
        setView(wanted);
      });
      selects[name] = select;
      box.appendChild(el("label", { className: "jv-view" }, [el("span", { text: TITLES[name] }), select]));
    });
    box.appendChild(note);
    function update(state) {
      var studyOnly = state.method !== METHOD;
      fields.forEach(function (name) {
        selects[name].value = state[name];
        selects[name].disabled = studyOnly || (name === "metric" && state.reference === "output");
      });
      var others = offer.neighbours ? "Views other than the study's (after attention, input embeddings, cosine) " +
        "list the " + offer.neighbours + " nearest tokens per layer." : "";
      note.textContent = studyOnly
        ? "The published demo's computation is defined in the study's view only; choose the exact method for other views."
        : state.reference === "output" ? "The logit lens ranks by the head's logits; there is no metric to choose. " + others
          : others;
    }
    return { element: box, update: update };
  }

  function hashValues(state) {
    var values = {};
    Object.keys(STUDY).forEach(function (name) { values[name] = state[name] === STUDY[name] ? null : state[name]; });
    return values;
  }

  function fromHash(values) {
    var view = {};
    Object.keys(STUDY).forEach(function (name) { view[name] = values[name] || STUDY[name]; });
    return view;
  }

  var STUDY_ONLY_DOWNLOADS = "the full-precision file beside this page holds the study's view only " +
    "(after attention, input embeddings, cosine); the live explorer or `journeys analyze --json` gives this view's";

  function register(name, data) { registered[name] = data; }

  function sidecar(src, page) {
    var name = src.split("/").pop(), loadOnce = Dom.scriptOnce(src);
    function decoded(viewKey) {
      var data = registered[name];
      var entry = data && data.views[viewKey];
      if (!entry) return null;
      return JourneyView.fromCompact(Object.assign({}, page, { vocab: data.vocab, methods: entry.methods }), entry);
    }
    return function load(viewKey, callback) {
      loadOnce(function () {
        var journeys = decoded(viewKey);
        if (journeys) callback(journeys);
        else callback(null, registered[name] ? "this page holds no " + viewKey + " view" : "the file " + src + " is missing");
      });
    };
  }

  global.JourneyViews = {
    STUDY: STUDY, METHOD: METHOD, METRICS: METRICS, STUDY_ONLY_DOWNLOADS: STUDY_ONLY_DOWNLOADS, key: key, measure: measure,
    choice: choice, hashValues: hashValues, fromHash: fromHash, register: register, sidecar: sidecar,
  };
})(window);
