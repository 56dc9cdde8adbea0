/*
 * JourneyView: token chips, the "Similarity and rankings" table and two charts for one analysed text.
 *
 *   JourneyView.render(container, journeysByMethod, options) -> controller
 *     journeysByMethod: {exact: journey, seed: journey}, each journey exactly what POST /api/analyze
 *       returns (Journey.to_dict(): {model, method, tokens: [{id, text}],
 *       variants: {raw, positional?: {rank, similarity, neighbours: [[[{id, text, similarity}]]]}}});
 *       `positional` is there only for models with a learned absolute position table.
 *     options: {method, variant ("raw" | "positional"), selected (token index),
 *       unavailable: {method: reason}, positionEncoding (how the model encodes positions, said where
 *       there is no positional variant), onChange(state), belowTable (an element placed under the table)}.
 *     controller: {select(index), setVariant(variant), setMethod(method), state}.
 *   JourneyView.fromCompact(page) -> journeysByMethod, from the gallery's compact page data
 *     (gallery/page_data.py documents that shape).
 *
 * Classic scripts (no modules, no fetch) so gallery pages work opened from disk; needs Plotly, dom.js,
 * journey-table.js and journey-charts.js.
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var METHOD_LABELS = { exact: "Exact", seed: "Published demo's computation" };
  var METHOD_NOTES = {
    exact: "what the model computes",
    seed: "the original demo's arithmetic, for comparison with the study",
  };
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
      journeys[method] = { model: page.model, method: method, tokens: tokens, variants: variants };
    });
    return journeys;
  }

  function isSpecial(token) {
    return /^(\[(CLS|SEP|PAD|MASK|UNK)\]|<\/?s>|<\|endoftext\|>|<pad>|<mask>|<unk>|<bos>|<eos>)$/.test(token.text);
  }

  function firstContentToken(tokens) {
    for (var i = 0; i < tokens.length; i++) if (!isSpecial(tokens[i])) return i;
    return 0;
  }

  /* The method choice (when there is one): a radio per method, unavailable ones disabled with the reason. */
  function methodChoice(id, methods, unavailable, setMethod) {
    var inputs = {};
    var all = methods.concat(Object.keys(unavailable).filter(function (m) { return methods.indexOf(m) < 0; }));
    if (all.length < 2) return { element: null, inputs: inputs };
    var fieldset = el("fieldset", { className: "jv-methods" }, [el("legend", { text: "Method" })]);
    all.forEach(function (method) {
      var input = el("input", { type: "radio", name: id + "-method", value: method });
      var available = methods.indexOf(method) >= 0;
      if (!available) input.disabled = true;
      inputs[method] = input;
      var label = el("label", { className: "jv-method" + (available ? "" : " jv-unavailable") }, [
        input,
        el("span", { text: METHOD_LABELS[method] || method }),
        el("small", { text: available ? METHOD_NOTES[method] : "unavailable for this model" }),
      ]);
      if (!available) label.title = unavailable[method];
      input.addEventListener("change", function () { setMethod(method); });
      fieldset.appendChild(label);
    });
    return { element: fieldset, inputs: inputs };
  }

  /* The positional switch where the model offers the variant; otherwise one line saying why not. */
  function positionalChoice(offered, model, positionEncoding, setVariant) {
    if (!offered) {
      var how = positionEncoding ? "encodes positions by " + positionEncoding : "has no learned position table";
      return { element: el("p", { className: "jv-note jv-no-positional",
        text: "No positional variant: " + model.name + " " + how + ", so there is no position row to add " +
          "to the vocabulary; every comparison is with the vocabulary as it is." }), input: null };
    }
    var input = el("input", { type: "checkbox", role: "switch", className: "jv-positional" });
    input.addEventListener("change", function () { setVariant(input.checked ? "positional" : "raw"); });
    return { element: el("label", { className: "jv-switch" }, [
      input,
      el("span", { className: "jv-switch-track", "aria-hidden": "true" }),
      el("span", { text: "Add the token's position embedding to the vocabulary" }),
    ]), input: input };
  }

  function chipBar(id, tokens, select, state) {
    var chips = el("div", { className: "jv-chips", role: "toolbar", "aria-label": "Tokens", "aria-describedby": id + "-hint" });
    var buttons = tokens.map(function (token, index) {
      var button = el("button", { type: "button", className: "jv-chip" + (isSpecial(token) ? " jv-special" : ""),
        "aria-pressed": "false", tabindex: "-1", "data-index": String(index), text: token.text });
      button.addEventListener("click", function () { select(index); });
      chips.appendChild(button);
      return button;
    });
    chips.addEventListener("keydown", function (event) {
      var moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      var target = null;
      if (event.key in moves) target = state.selected + moves[event.key];
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = tokens.length - 1;
      if (target === null) return;
      event.preventDefault();
      select(Math.max(0, Math.min(tokens.length - 1, target)));
      buttons[state.selected].focus();
    });
    return { element: chips, buttons: buttons };
  }

  function updateChips(buttons, result, state, vocabSize) {
    var top = Math.log10(vocabSize + 1);
    buttons.forEach(function (button, index) {
      var on = index === state.selected;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      var ranks = result.rank[index], rank = ranks[ranks.length - 1];
      button.style.setProperty("--jv-drift", (rank === null ? 0 : Math.log10(rank + 1) / top).toFixed(3));
      button.title = "rank " + Dom.formatRank(rank) + " at the last layer";
    });
  }

  function summaryText(result, tokens, index) {
    var ranks = result.rank[index], sims = result.similarity[index], last = ranks.length - 1;
    return " (token " + (index + 1) + " of " + tokens.length + "): rank " + Dom.formatRank(ranks[0]) +
      " at layer 0, " + Dom.formatRank(ranks[last]) + " at layer " + last + "; similarity " +
      Dom.formatSimilarity(sims[0]) + " → " + Dom.formatSimilarity(sims[last]) + ".";
  }

  function section(title, caption, content) {
    return el("section", { className: "jv-section" }, [
      el("h2", { text: title }), el("p", { className: "jv-caption", text: caption }), content,
    ]);
  }

  function render(container, journeysByMethod, options) {
    options = options || {};
    var methods = Object.keys(journeysByMethod);
    var first = journeysByMethod[methods[0]];
    var tokens = first.tokens;
    var offersPositional = "positional" in first.variants;
    var id = "jv" + ++counter;
    var state = {
      method: methods.indexOf(options.method) >= 0 ? options.method : methods[0],
      variant: offersPositional && options.variant === "positional" ? "positional" : "raw",
      selected: options.selected >= 0 && options.selected < tokens.length ? options.selected : firstContentToken(tokens),
    };

    container.textContent = "";
    var root = el("div", { className: "jv" });
    container.appendChild(root);
    var methodControl = methodChoice(id, methods, options.unavailable || {}, setMethod);
    var positional = positionalChoice(offersPositional, first.model, options.positionEncoding, setVariant);
    root.appendChild(el("div", { className: "jv-controls" }, [methodControl.element, positional.element]));
    root.appendChild(el("p", { className: "jv-hint", id: id + "-hint",
      text: "Choose a token: click it, or focus the tokens and use the arrow keys. The coloured underline shows its rank at the last layer." }));
    var chips = chipBar(id, tokens, select, state);
    root.appendChild(chips.element);
    var summary = el("p", { className: "jv-summary", "aria-live": "polite" });
    root.appendChild(summary);

    var table = el("table", { className: "jv-table" });
    root.appendChild(section("Similarity and rankings",
      "One column per layer: the vocabulary tokens nearest to the selected token's encoding, most similar first, with their cosine similarity. The token's own vocabulary row is highlighted; the last row gives its rank and similarity at every layer.",
      el("div", { className: "jv-table-wrap", tabindex: "0", role: "region", "aria-label": "Similarity and rankings table" }, [table])));
    if (options.belowTable) root.appendChild(options.belowTable);
    var similarityChart = el("div", { className: "jv-chart jv-chart-similarity" });
    var rankChart = el("div", { className: "jv-chart jv-chart-rank" });
    root.appendChild(el("div", { className: "jv-charts" }, [
      section("Similarity across layers",
        "Cosine similarity between each token's encoding and its own vocabulary row. Every token is a faint line; the selected one is highlighted. Click a line to select its token.",
        similarityChart),
      section("Rank across layers",
        "How many vocabulary tokens are nearer than the token's own row, on a log scale with rank 0 (still the nearest) at the top.",
        rankChart),
    ]));

    function update() {
      var result = journeysByMethod[state.method].variants[state.variant];
      Object.keys(methodControl.inputs).forEach(function (m) { methodControl.inputs[m].checked = m === state.method; });
      if (positional.input) positional.input.checked = state.variant === "positional";
      updateChips(chips.buttons, result, state, first.model.vocab_size);
      summary.textContent = "";
      summary.appendChild(el("strong", { text: "“" + tokens[state.selected].text + "”" }));
      summary.appendChild(document.createTextNode(summaryText(result, tokens, state.selected)));
      JourneyTable.fill(table, result, tokens, state.selected);
      JourneyCharts.draw(similarityChart, rankChart, result, tokens, state.selected, first.model.vocab_size);
      if (options.onChange) options.onChange({ method: state.method, variant: state.variant, selected: state.selected });
    }

    function select(index) { state.selected = index; update(); }
    function setVariant(variant) { if (variant === "raw" || offersPositional) { state.variant = variant; update(); } }
    function setMethod(method) { if (journeysByMethod[method]) { state.method = method; update(); } }

    update();
    JourneyCharts.onPick([similarityChart, rankChart], select);
    return { select: select, setVariant: setVariant, setMethod: setMethod, state: state };
  }

  global.JourneyView = { render: render, fromCompact: fromCompact };
})(window);
