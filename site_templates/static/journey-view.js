/*
 * JourneyView: token chips, the "Similarity and rankings" table and two charts for one analysed text.
 *
 *   JourneyView.render(container, journeysByMethod, options) -> controller
 *     journeysByMethod: {exact: journey, seed: journey}, each journey exactly what POST /api/analyze
 *       returns (Journey.to_dict(): {model, method, tokens: [{id, text}],
 *       variants: {raw|positional: {rank, similarity, neighbours: [[[{id, text, similarity}]]]}}}).
 *     options: {method, variant ("raw" | "positional"), selected (token index),
 *       unavailable: {method: reason}, onChange(state), belowTable (an element placed under the table)}.
 *     controller: {select(index), setVariant(variant), setMethod(method), state}.
 *   JourneyView.fromCompact(page) -> journeysByMethod, from the gallery's compact page data
 *     (gallery/page_data.py documents that shape).
 *
 * A classic script (no modules, no fetch) so gallery pages work opened from disk; needs Plotly.
 */
(function (global) {
  "use strict";

  var METHOD_LABELS = { exact: "Exact", seed: "Published demo's computation" };
  var METHOD_NOTES = {
    exact: "what the model computes",
    seed: "the original demo's arithmetic, for comparison with the study",
  };
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var ACCENT = "#c2410c";
  var FAINT = "rgba(71, 85, 105, 0.22)";
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

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else if (name === "className") node.className = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function formatSimilarity(value) {
    return value === null || value === undefined ? "–" : value.toFixed(4);
  }

  function formatRank(value) {
    return value === null || value === undefined ? "–" : value.toLocaleString("en");
  }

  function isSpecial(token) {
    return /^(\[(CLS|SEP|PAD|MASK|UNK)\]|<\/?s>|<\|endoftext\|>|<pad>|<mask>|<unk>)$/.test(token.text);
  }

  function firstContentToken(tokens) {
    for (var i = 0; i < tokens.length; i++) if (!isSpecial(tokens[i])) return i;
    return 0;
  }

  function rankTicks(vocabSize) {
    var values = [], labels = [];
    for (var power = 1; power <= vocabSize * 10; power *= 10) {
      values.push(power === 1 ? 1 : power + 1);
      labels.push(power === 1 ? "0" : power >= 1000 ? power / 1000 + "k" : String(power));
    }
    return { tickvals: values, ticktext: labels };
  }

  function render(container, journeysByMethod, options) {
    options = options || {};
    var methods = Object.keys(journeysByMethod);
    var unavailable = options.unavailable || {};
    var first = journeysByMethod[methods[0]];
    var tokens = first.tokens;
    var layers = first.model.num_layers;
    var id = "jv" + ++counter;
    var state = {
      method: methods.indexOf(options.method) >= 0 ? options.method : methods[0],
      variant: options.variant === "positional" ? "positional" : "raw",
      selected: options.selected >= 0 && options.selected < tokens.length ? options.selected : firstContentToken(tokens),
    };

    container.textContent = "";
    var root = el("div", { className: "jv" });
    container.appendChild(root);

    // Controls: method choice (when there is one) and the positional toggle.
    var controls = el("div", { className: "jv-controls" });
    var methodInputs = {};
    var allMethods = methods.concat(Object.keys(unavailable).filter(function (m) { return methods.indexOf(m) < 0; }));
    if (allMethods.length > 1) {
      var fieldset = el("fieldset", { className: "jv-methods" }, [el("legend", { text: "Method" })]);
      allMethods.forEach(function (method) {
        var input = el("input", { type: "radio", name: id + "-method", value: method });
        var available = methods.indexOf(method) >= 0;
        if (!available) input.disabled = true;
        methodInputs[method] = input;
        var note = available ? METHOD_NOTES[method] : "unavailable for this model";
        var label = el("label", { className: "jv-method" + (available ? "" : " jv-unavailable") }, [
          input,
          el("span", { text: METHOD_LABELS[method] || method }),
          el("small", { text: note }),
        ]);
        if (!available) label.title = unavailable[method];
        input.addEventListener("change", function () { setMethod(method); });
        fieldset.appendChild(label);
      });
      controls.appendChild(fieldset);
    }
    var positional = el("input", { type: "checkbox", role: "switch", className: "jv-positional" });
    controls.appendChild(
      el("label", { className: "jv-switch" }, [
        positional,
        el("span", { className: "jv-switch-track", "aria-hidden": "true" }),
        el("span", { text: "Add the token's position embedding to the vocabulary" }),
      ])
    );
    positional.addEventListener("change", function () { setVariant(positional.checked ? "positional" : "raw"); });
    root.appendChild(controls);

    // Token chips: a toolbar of toggle buttons with one tab stop and arrow-key movement.
    root.appendChild(el("p", { className: "jv-hint", id: id + "-hint",
      text: "Choose a token: click it, or focus the tokens and use the arrow keys. The coloured underline shows its rank at the last layer." }));
    var chips = el("div", { className: "jv-chips", role: "toolbar", "aria-label": "Tokens", "aria-describedby": id + "-hint" });
    var chipButtons = tokens.map(function (token, index) {
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
      chipButtons[state.selected].focus();
    });
    root.appendChild(chips);
    var summary = el("p", { className: "jv-summary", "aria-live": "polite" });
    root.appendChild(summary);

    // Table and charts.
    var table = el("table", { className: "jv-table" });
    root.appendChild(el("section", { className: "jv-section" }, [
      el("h2", { text: "Similarity and rankings" }),
      el("p", { className: "jv-caption", text: "One column per layer: the vocabulary tokens nearest to the selected token's encoding, most similar first, with their cosine similarity. The token's own vocabulary row is highlighted; the last row gives its rank and similarity at every layer." }),
      el("div", { className: "jv-table-wrap", tabindex: "0", role: "region", "aria-label": "Similarity and rankings table" }, [table]),
    ]));
    if (options.belowTable) root.appendChild(options.belowTable);
    var similarityChart = el("div", { className: "jv-chart jv-chart-similarity" });
    var rankChart = el("div", { className: "jv-chart jv-chart-rank" });
    root.appendChild(el("div", { className: "jv-charts" }, [
      el("section", { className: "jv-section" }, [
        el("h2", { text: "Similarity across layers" }),
        el("p", { className: "jv-caption", text: "Cosine similarity between each token's encoding and its own vocabulary row. Every token is a faint line; the selected one is highlighted. Click a line to select its token." }),
        similarityChart,
      ]),
      el("section", { className: "jv-section" }, [
        el("h2", { text: "Rank across layers" }),
        el("p", { className: "jv-caption", text: "How many vocabulary tokens are nearer than the token's own row, on a log scale with rank 0 (still the nearest) at the top." }),
        rankChart,
      ]),
    ]));

    function current() { return journeysByMethod[state.method].variants[state.variant]; }

    function lastRank(result, index) {
      var ranks = result.rank[index];
      return ranks[ranks.length - 1];
    }

    function updateChips(result) {
      var top = Math.log10(first.model.vocab_size + 1);
      chipButtons.forEach(function (button, index) {
        var on = index === state.selected;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.tabIndex = on ? 0 : -1;
        var rank = lastRank(result, index);
        var depth = rank === null ? 0 : Math.log10(rank + 1) / top;
        button.style.setProperty("--jv-drift", depth.toFixed(3));
        button.title = "rank " + formatRank(rank) + " at the last layer";
      });
    }

    function updateSummary(result) {
      var index = state.selected;
      var ranks = result.rank[index], sims = result.similarity[index];
      summary.textContent = "";
      summary.appendChild(el("strong", { text: "“" + tokens[index].text + "”" }));
      summary.appendChild(document.createTextNode(
        " (token " + (index + 1) + " of " + tokens.length + "): rank " + formatRank(ranks[0]) + " at layer 0, " +
        formatRank(ranks[layers - 1]) + " at layer " + (layers - 1) + "; similarity " + formatSimilarity(sims[0]) +
        " → " + formatSimilarity(sims[layers - 1]) + "."
      ));
    }

    function updateTable(result) {
      var index = state.selected, own = tokens[index];
      var neighbours = result.neighbours[index];
      var k = neighbours[0].length;
      table.textContent = "";
      var headRow = el("tr", {}, [el("th", { scope: "col", text: "#" })]);
      for (var layer = 0; layer < layers; layer++) headRow.appendChild(el("th", { scope: "col", text: "Layer " + layer }));
      table.appendChild(el("thead", {}, [headRow]));
      var body = el("tbody");
      for (var row = 0; row < k; row++) {
        var tr = el("tr", {}, [el("th", { scope: "row", text: String(row) })]);
        for (layer = 0; layer < layers; layer++) {
          var entry = neighbours[layer][row];
          var isOwn = entry.id === own.id;
          var cell = el("td", { className: isOwn ? "jv-own" : "" }, [
            el("span", { className: "jv-token", text: entry.text }),
            el("span", { className: "jv-sim", text: formatSimilarity(entry.similarity) }),
          ]);
          if (isOwn) cell.setAttribute("aria-label", entry.text + " (the selected token), similarity " + formatSimilarity(entry.similarity));
          tr.appendChild(cell);
        }
        body.appendChild(tr);
      }
      table.appendChild(body);
      var ownRow = el("tr", { className: "jv-own-row" }, [el("th", { scope: "row", text: "“" + own.text + "”" })]);
      for (layer = 0; layer < layers; layer++) {
        var rank = result.rank[index][layer];
        var outside = rank !== null && rank >= k;
        ownRow.appendChild(el("td", { className: outside ? "jv-outside" : "" }, [
          el("span", { className: "jv-rank", text: "rank " + formatRank(rank) }),
          el("span", { className: "jv-sim", text: formatSimilarity(result.similarity[index][layer]) }),
        ]));
      }
      table.appendChild(el("tfoot", {}, [ownRow]));
    }

    function traces(values, hoverValues, format) {
      var layerNumbers = [];
      for (var layer = 0; layer < layers; layer++) layerNumbers.push(layer);
      var order = tokens.map(function (_, i) { return i; }).filter(function (i) { return i !== state.selected; });
      order.push(state.selected);
      return order.map(function (index) {
        var on = index === state.selected;
        return {
          x: layerNumbers,
          y: values[index],
          customdata: hoverValues[index],
          meta: index,
          name: tokens[index].text,
          type: "scatter",
          mode: on ? "lines+markers" : "lines",
          line: { color: on ? ACCENT : FAINT, width: on ? 3 : 1.5 },
          marker: { size: 7, color: ACCENT },
          hovertemplate: "<b>%{fullData.name}</b><br>layer %{x}<br>" + format + "<extra></extra>",
        };
      });
    }

    function chartLayout(yaxis) {
      return {
        height: 320,
        margin: { l: 56, r: 16, t: 8, b: 44 },
        font: { family: FONT, size: 13, color: "#1e293b" },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        showlegend: false,
        hovermode: "closest",
        xaxis: { title: { text: "layer" }, dtick: 1, gridcolor: "#e2e8f0", zeroline: false },
        yaxis: Object.assign({ gridcolor: "#e2e8f0", zeroline: false }, yaxis),
      };
    }

    var chartConfig = { displayModeBar: false, responsive: true };

    function updateCharts(result) {
      Plotly.react(similarityChart, traces(result.similarity, result.similarity, "similarity %{y:.4f}"),
        chartLayout({ title: { text: "cosine similarity" } }), chartConfig);
      var plotted = result.rank.map(function (row) {
        return row.map(function (r) { return r === null ? null : r + 1; });
      });
      Plotly.react(rankChart, traces(plotted, result.rank, "rank %{customdata:,}"),
        chartLayout(Object.assign({ title: { text: "rank (log scale)" }, type: "log", autorange: "reversed" },
          rankTicks(first.model.vocab_size))), chartConfig);
    }

    function update() {
      var result = current();
      Object.keys(methodInputs).forEach(function (m) { methodInputs[m].checked = m === state.method; });
      positional.checked = state.variant === "positional";
      updateChips(result);
      updateSummary(result);
      updateTable(result);
      updateCharts(result);
      if (options.onChange) options.onChange({ method: state.method, variant: state.variant, selected: state.selected });
    }

    function select(index) { state.selected = index; update(); }
    function setVariant(variant) { state.variant = variant; update(); }
    function setMethod(method) { if (journeysByMethod[method]) { state.method = method; update(); } }

    update();
    [similarityChart, rankChart].forEach(function (chart) {
      chart.on("plotly_click", function (event) {
        if (event.points && event.points.length) select(event.points[0].data.meta);
      });
    });

    return { select: select, setVariant: setVariant, setMethod: setMethod, state: state };
  }

  global.JourneyView = { render: render, fromCompact: fromCompact };
})(window);
