/*
 * JourneyView: token chips, the "Similarity and rankings" table and two charts for one analysed text.
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
 * journey-controls.js, journey-table.js, journey-charts.js, and journey-downloads.js for chart downloads.
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var counter = 0;

  function fromCompact(page) {
    var tokens = page.tokens.map(function (t) { return { id: t[0], text: t[1] }; });
    var journeys = {};
    Object.keys(page.methods).forEach(function (method) {
      var variants = {};
      Object.keys(page.methods[method]).forEach(function (variant) {
        var data = page.methods[method][variant];
        variants[variant] = {
          rank: data.rank,
          similarity: data.similarity,
          neighbours: data.neighbours.map(function (row, t) {
            return row.map(function (cell, layer) {
              return cell.map(function (v, k) {
                var entry = page.vocab[v];
                return { id: entry[0], text: entry[1], similarity: data.neighbour_similarity[t][layer][k] };
              });
            });
          }),
        };
      });
      // The gallery's pages hold the study's view (gallery/precompute.py), named as the API names it.
      journeys[method] = {
        model: page.model, method: method, point: "post-attention", reference: "input", metric: "cosine",
        tokens: tokens, variants: variants,
      };
    });
    return journeys;
  }

  function isIndex(value, length) {
    return typeof value === "number" && Math.floor(value) === value && value >= 0 && value < length;
  }

  function summaryText(result, tokens, view) {
    var index = view.selected, ranks = result.rank[index], sims = result.similarity[index], last = ranks.length - 1;
    var text = " (token " + (index + 1) + " of " + tokens.length + "): rank " + Dom.formatRank(ranks[0]) +
      " at layer 0, " + Dom.formatRank(ranks[last]) + " at layer " + last + "; similarity " +
      Dom.formatSimilarity(sims[0]) + " → " + Dom.formatSimilarity(sims[last]) + ".";
    if (view.layer !== null) {
      text += " Layer " + view.layer + " (marked): rank " + Dom.formatRank(ranks[view.layer]) +
        ", similarity " + Dom.formatSimilarity(sims[view.layer]) + ".";
    }
    return text;
  }

  function section(title, caption, content, extra) {
    return el("section", { className: "jv-section" }, [
      el("h2", { text: title }), el("p", { className: "jv-caption", text: caption }), content, extra,
    ]);
  }

  function render(container, journeysByMethod, options) {
    options = options || {};
    var methods = Object.keys(journeysByMethod);
    var first = journeysByMethod[methods[0]];
    var tokens = first.tokens;
    var layers = first.model.num_layers;
    var offersPositional = "positional" in first.variants;
    var id = "jv" + ++counter;
    var state = { method: methods[0], variant: "raw", selected: JourneyControls.firstContentToken(tokens), layer: null };
    merge(options);

    /* Takes the valid parts of `wanted` into the state; anything the journey does not offer is ignored. */
    function merge(wanted) {
      if (methods.indexOf(wanted.method) >= 0) state.method = wanted.method;
      if (wanted.variant === "raw" || (wanted.variant === "positional" && offersPositional)) state.variant = wanted.variant;
      if (isIndex(wanted.selected, tokens.length)) state.selected = wanted.selected;
      if (wanted.layer === null || isIndex(wanted.layer, layers)) state.layer = wanted.layer;
    }

    container.textContent = "";
    var root = el("div", { className: "jv" });
    container.appendChild(root);
    var methodControl = JourneyControls.methodChoice(id, methods, options.unavailable || {}, setMethod);
    var positional = JourneyControls.positionalChoice(offersPositional, first.model, options.positionEncoding, setVariant);
    root.appendChild(el("div", { className: "jv-controls" }, [methodControl.element, positional.element, options.toolbar]));
    root.appendChild(el("p", { className: "jv-hint", id: id + "-hint",
      text: "Choose a token: click it, or focus the tokens and use the arrow keys. The coloured underline shows its rank at the last layer. Choose a layer with its button in the table, or click a point of a chart." }));
    var chips = JourneyControls.chipBar(id, tokens, select, state);
    root.appendChild(chips.element);
    var summary = el("p", { className: "jv-summary", "aria-live": "polite" });
    root.appendChild(summary);

    var table = el("table", { className: "jv-table" });
    var tableSection = root.appendChild(section("Similarity and rankings",
      "One column per layer: the vocabulary tokens nearest to the selected token's encoding, most similar first, with their cosine similarity. The token's own vocabulary row is highlighted; the last row gives its rank and similarity at every layer.",
      el("div", { className: "jv-table-wrap", tabindex: "0", role: "region", "aria-label": "Similarity and rankings table" }, [table])));
    if (options.belowTable) root.appendChild(options.belowTable);
    var charts = {
      similarity: el("div", { className: "jv-chart jv-chart-similarity" }),
      rank: el("div", { className: "jv-chart jv-chart-rank" }),
    };
    function chartDownloads(kind) {
      if (!options.fileName) return null;
      return JourneyDownloads.chartButtons(charts[kind], function () { return options.fileName(state) + "-" + kind; });
    }
    root.insertBefore(el("div", { className: "jv-charts" }, [
      section("Similarity across layers",
        "Cosine similarity between each token's encoding and its own vocabulary row. Every token is a faint line; the selected one is highlighted. Click a point to select its token and layer.",
        charts.similarity, chartDownloads("similarity")),
      section("Rank across layers",
        "How many vocabulary tokens are nearer than the token's own row, on a log scale with rank 0 (still the nearest) at the top.",
        charts.rank, chartDownloads("rank")),
    ]), options.chartsFirst ? tableSection : null);

    function update(byUser) {
      var result = journeysByMethod[state.method].variants[state.variant];
      Object.keys(methodControl.inputs).forEach(function (m) { methodControl.inputs[m].checked = m === state.method; });
      if (positional.input) positional.input.checked = state.variant === "positional";
      JourneyControls.updateChips(chips.buttons, result, state, first.model.vocab_size);
      summary.textContent = "";
      summary.appendChild(el("strong", { text: "“" + tokens[state.selected].text + "”" }));
      summary.appendChild(document.createTextNode(summaryText(result, tokens, state)));
      JourneyTable.fill(table, result, tokens, state, selectLayer);
      JourneyCharts.draw(charts, result, tokens, first.model, state, options.axes || JourneyCharts.ownAxes());
      if (options.onChange) options.onChange(Object.assign({}, state), byUser);
    }

    function choose(wanted) { merge(wanted); update(true); }
    function select(index) { choose({ selected: index }); }
    function selectLayer(layer) { choose({ layer: layer === state.layer ? null : layer }); }
    function setVariant(variant) { choose({ variant: variant }); }
    function setMethod(method) { choose({ method: method }); }

    update(false);
    JourneyCharts.onPick(charts, function (index, layer) { choose({ selected: index, layer: layer }); });
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
