/*
 * JourneyView: token chips, the measure-and-rankings table and two charts for one analysed text.
 *
 *   JourneyView.render(container, journeysByMethod, options) -> controller
 *     journeysByMethod: {exact: journey, seed: journey}, each journey exactly what POST /api/analyze
 *       returns (Journey.to_dict(): {model, method, tokens: [{id, text}],
 *       variants: {raw, positional?: {rank, similarity, neighbours: [[[{id, text, similarity}]]]}}});
 *       `positional` is there only for models with a learned absolute position table.
 *     options: {method, variant ("raw" | "positional"), selected (token index), layer (a layer, or null),
 *       unavailable: {method: reason}, positionEncoding (how the model encodes positions, said where
 *       there is no positional variant), belowTable (an element placed under the table), toolbar (an
 *       element placed with the controls, such as download buttons), fileName(state) (base name of the
 *       chart downloads; no chart downloads without it), axes (JourneyCharts.sharedAxes(...) when shown
 *       beside another journey), chartsFirst (the charts above the table), onChange(state, byUser)}.
 *       onChange runs after every change; byUser is true only for a choice made on this view.
 *     controller: {select(index), selectLayer(layer), setVariant(variant), setMethod(method),
 *       apply(state) (any of method, variant, selected, layer; no byUser), state, tokens, model, root}.
 *   JourneyView.fromCompact(page) -> journeysByMethod, from the gallery's compact page data
 *     (gallery/page_data.py documents that shape).
 *
 * Classic scripts (no modules, no fetch) so gallery pages work opened from disk; needs Plotly, dom.js,
 * journey-views.js, journey-controls.js, journey-table.js, journey-charts.js, and journey-downloads.js for chart downloads.
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var counter = 0;

  function fromCompact(page, view) {
    view = view || JourneyViews.STUDY;
    var tokens = page.tokens.map(function (t) { return { id: t[0], text: t[1] }; });
    var journeys = {};
    Object.keys(page.methods).forEach(function (method) {
      var variants = {};
      Object.keys(page.methods[method]).forEach(function (variant) {
        var data = page.methods[method][variant];
        var names = Object.keys(data).filter(function (name) { return name !== "rank" && name !== "neighbours" && name.indexOf("neighbour_") !== 0; });
        var result = { rank: data.rank };
        names.forEach(function (name) { result[name] = data[name]; });
        result.neighbours = data.neighbours.map(function (row, t) {
          return row.map(function (cell, layer) {
            return cell.map(function (v, k) {
              var entry = page.vocab[v], neighbour = { id: entry[0], text: entry[1] };
              names.forEach(function (name) { neighbour[name] = data["neighbour_" + name][t][layer][k]; });
              return neighbour;
            });
          });
        });
        variants[variant] = result;
      });
      journeys[method] = {
        model: page.model, method: method, point: view.point, reference: view.reference, metric: view.metric,
        tokens: tokens, variants: variants,
      };
    });
    return journeys;
  }

  function isIndex(value, length) {
    return typeof value === "number" && Math.floor(value) === value && value >= 0 && value < length;
  }

  function summaryText(result, tokens, view, measure) {
    var index = view.selected, ranks = result.rank[index], values = result[measure.key][index], last = ranks.length - 1;
    var text = " (token " + (index + 1) + " of " + tokens.length + "): rank " + Dom.formatRank(ranks[0]) +
      " at layer 0, " + Dom.formatRank(ranks[last]) + " at layer " + last + "; " + measure.name + " " +
      measure.format(values[0]) + " → " + measure.format(values[last]) + ".";
    if (view.layer !== null) {
      text += " Layer " + view.layer + " (marked): rank " + Dom.formatRank(ranks[view.layer]) +
        ", " + measure.name + " " + measure.format(values[view.layer]) + ".";
    }
    return text;
  }

  function section(title, caption, content, extra) {
    var captionElement = el("p", { className: "jv-caption", text: caption });
    var element = el("section", { className: "jv-section" }, [el("h2", { text: title }), captionElement, content, extra]);
    element.caption = captionElement;
    return element;
  }

  var VARIANTS = ["raw", "positional", "own", "next"];

  function render(container, journeysByMethod, options) {
    options = options || {};
    var methods = Object.keys(journeysByMethod);
    var first = journeysByMethod[methods[0]];
    var tokens = first.tokens;
    var layers = first.model.num_layers;
    var offer = (options.views && options.views.offer) || {};
    var byView = {};
    byView[JourneyViews.key(JourneyViews.STUDY)] = journeysByMethod;
    var id = "jv" + ++counter;
    var state = Object.assign({ method: methods[0], variant: "raw", selected: JourneyControls.firstContentToken(tokens), layer: null },
      JourneyViews.STUDY);
    merge(options);

    function offered(name, value) {
      var values = offer[{ point: "points", reference: "references", metric: "metrics" }[name]] || [];
      return value === JourneyViews.STUDY[name] || values.indexOf(value) >= 0;
    }
    function isStudyView() { return JourneyViews.key(state) === JourneyViews.key(JourneyViews.STUDY); }

    /* Takes the valid parts of `wanted` into the state; anything the journey does not offer is ignored. A
       method that only the study's view defines goes back to that view, unless a view is what was asked. */
    function merge(wanted) {
      var viewAsked = false;
      ["point", "reference", "metric"].forEach(function (name) {
        if (typeof wanted[name] === "string" && offered(name, wanted[name])) {
          viewAsked = viewAsked || wanted[name] !== state[name];
          state[name] = wanted[name];
        }
      });
      if (state.reference === "output") state.metric = JourneyViews.STUDY.metric;
      if (methods.indexOf(wanted.method) >= 0) state.method = wanted.method;
      if (!isStudyView() && state.method !== JourneyViews.METHOD) {
        if (viewAsked && methods.indexOf(JourneyViews.METHOD) >= 0) state.method = JourneyViews.METHOD;
        else Object.assign(state, JourneyViews.STUDY);
      }
      if (VARIANTS.indexOf(wanted.variant) >= 0) state.variant = wanted.variant;
      if (isIndex(wanted.selected, tokens.length)) state.selected = wanted.selected;
      if (wanted.layer === null || isIndex(wanted.layer, layers)) state.layer = wanted.layer;
    }

    container.textContent = "";
    var root = el("div", { className: "jv" });
    container.appendChild(root);
    var methodControl = JourneyControls.methodChoice(id, methods, options.unavailable || {}, setMethod);
    var viewControl = JourneyViews.choice(id, offer, function (wanted) { choose(wanted); });
    var variantSlot = el("div", { className: "jv-variant" });
    var variantControl = { input: null, kind: null };
    root.appendChild(el("div", { className: "jv-controls" }, [methodControl.element, viewControl.element, variantSlot, options.toolbar]));
    root.appendChild(el("p", { className: "jv-hint", id: id + "-hint",
      text: "Choose a token: click it, or focus the tokens and use the arrow keys. The coloured underline shows its rank at the last layer. Choose a layer with its button in the table, or click a point of a chart." }));
    var chips = JourneyControls.chipBar(id, tokens, select, state);
    root.appendChild(chips.element);
    var summary = el("p", { className: "jv-summary", "aria-live": "polite" });
    root.appendChild(summary);

    var table = el("table", { className: "jv-table" });
    var heading = JourneyViews.measure(state).heading;  // the view asked for, even while it loads
    var tableWrap = el("div", { className: "jv-table-wrap", tabindex: "0", role: "region", "aria-label": heading + " table" }, [table]);
    var tableSection = root.appendChild(section(heading, "", tableWrap));
    if (options.belowTable) root.appendChild(options.belowTable);
    var charts = {
      similarity: el("div", { className: "jv-chart jv-chart-similarity" }),
      rank: el("div", { className: "jv-chart jv-chart-rank" }),
    };
    function chartDownloads(kind) {
      if (!options.fileName) return null;
      return JourneyDownloads.chartButtons(charts[kind], function () { return options.fileName(state) + "-" + kind; });
    }
    var valueSection = section("Similarity across layers", "", charts.similarity, chartDownloads("similarity"));
    var rankSection = section("Rank across layers", "", charts.rank, chartDownloads("rank"));
    root.insertBefore(el("div", { className: "jv-charts" }, [valueSection, rankSection]), options.chartsFirst ? tableSection : null);

    /* The variant switch of the view shown: the positional switch against the input rows, the next-token
       switch against the output head where the journey has a next token. */
    function showVariantControl(journey) {
      var kind = journey.reference === "output" ? "lens" : "input";
      if (variantControl.kind === kind) return;
      variantSlot.textContent = "";
      variantControl = kind === "lens"
        ? JourneyControls.nextTokenChoice("next" in journey.variants, setVariant)
        : JourneyControls.positionalChoice("positional" in journey.variants, first.model, options.positionEncoding, setVariant);
      variantControl.kind = kind;
      if (variantControl.element) variantSlot.appendChild(variantControl.element);
    }

    var pending = 0, picking = false;  // the charts take clicks once first drawn (a view may load first)
    function update(byUser) {
      var viewKey = JourneyViews.key(state);
      if (!byView[viewKey]) {
        var ticket = ++pending;
        summary.textContent = "Loading the " + viewKey.replace(/\//g, ", ") + " view…";
        if (options.onChange) options.onChange(Object.assign({}, state), byUser);
        options.views.load(viewKey, function (journeys, problem) {
          if (journeys) byView[viewKey] = journeys;
          if (ticket !== pending) return;
          if (journeys) return update(byUser);
          Object.assign(state, JourneyViews.STUDY);
          update(byUser);
          summary.appendChild(document.createTextNode(" The view asked for is unavailable: " + problem + "."));
        });
        return;
      }
      pending++;
      var journey = byView[viewKey][state.method];
      var variants = Object.keys(journey.variants);
      var measure = JourneyViews.measure(state);
      if (!(state.variant in journey.variants)) state.variant = variants[0];
      var result = journey.variants[state.variant];
      Object.keys(methodControl.inputs).forEach(function (m) { methodControl.inputs[m].checked = m === state.method; });
      viewControl.update(state);
      showVariantControl(journey);
      if (variantControl.input) variantControl.input.checked = state.variant === "positional" || state.variant === "next";
      JourneyControls.updateChips(chips.buttons, result, state, first.model.vocab_size);
      summary.textContent = "";
      summary.appendChild(el("strong", { text: "“" + tokens[state.selected].text + "”" }));
      summary.appendChild(document.createTextNode(summaryText(result, tokens, state, measure)));
      tableSection.querySelector("h2").textContent = measure.heading;
      tableWrap.setAttribute("aria-label", measure.heading + " table");
      tableSection.caption.textContent = measure.caption;
      valueSection.querySelector("h2").textContent = measure.label[0].toUpperCase() + measure.label.slice(1) + " across layers";
      valueSection.caption.textContent = measure.chartCaption;
      rankSection.caption.textContent = measure.rankCaption;
      JourneyTable.fill(table, result, tokens, state, selectLayer, measure);
      JourneyCharts.draw(charts, result, tokens, first.model, state, options.axes || JourneyCharts.ownAxes(), measure);
      if (!picking) JourneyCharts.onPick(charts, function (index, layer) { choose({ selected: index, layer: layer }); });
      picking = true;
      if (options.onChange) options.onChange(Object.assign({}, state), byUser);
    }

    function choose(wanted) { merge(wanted); update(true); }
    function select(index) { choose({ selected: index }); }
    function selectLayer(layer) { choose({ layer: layer === state.layer ? null : layer }); }
    function setVariant(variant) { choose({ variant: variant }); }
    function setMethod(method) { choose({ method: method }); }

    update(false);
    return {
      select: select,
      selectLayer: selectLayer,
      setVariant: setVariant,
      setMethod: setMethod,
      apply: function (wanted) { merge(wanted); update(false); },
      state: state,
      tokens: tokens,
      model: first.model,
      root: root,
    };
  }

  global.JourneyView = { render: render, fromCompact: fromCompact };
})(window);
