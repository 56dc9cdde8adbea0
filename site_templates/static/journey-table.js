/*
 * JourneyTable.fill(table, result, tokens, view, pickLayer, measure): the measure-and-rankings table of
 * one token.
 *   result: one variant of a journey ({rank, <value>, neighbours}, indexed [token][layer]);
 *   measure: JourneyViews.measure(view): which value (similarity, distance, probability) is shown and how;
 *   view: {selected (token index), layer (the selected layer, or null), variant};
 *   pickLayer(layer): called when a layer's header button is pressed.
 * One column per layer: the nearest vocabulary rows with their similarity, the token's own row highlighted,
 * a last row with the token's own rank and similarity, and the selected layer's column marked.
 */
(function (global) {
  "use strict";
  var el = Dom.el;

  function headRow(layers, selectedLayer, pickLayer) {
    var row = el("tr", {}, [el("th", { scope: "col", text: "#" })]);
    for (var layer = 0; layer < layers; layer++) {
      var on = layer === selectedLayer;
      var button = el("button", { type: "button", className: "jv-layer", "aria-pressed": on ? "true" : "false",
        "data-layer": String(layer), text: "Layer " + layer });
      button.addEventListener("click", pickLayer.bind(null, layer));
      row.appendChild(el("th", { scope: "col", className: on ? "jv-layer-on" : "" }, [button]));
    }
    return el("thead", {}, [row]);
  }

  function neighbourCell(entry, own, on, measure) {
    var isOwn = entry.id === own.id, shown = measure.format(entry[measure.key]);
    var cell = el("td", { className: (isOwn ? "jv-own" : "") + (on ? " jv-layer-on" : "") }, [
      el("span", { className: "jv-token", text: entry.text }),
      el("span", { className: "jv-sim", text: shown }),
    ]);
    if (isOwn) cell.setAttribute("aria-label", entry.text + " (the selected token), " + measure.name + " " + shown);
    return cell;
  }

  function ownRow(result, own, view, k, measure) {
    var row = el("tr", { className: "jv-own-row" }, [el("th", { scope: "row", text: "“" + own.text + "”" })]);
    result.rank[view.selected].forEach(function (rank, layer) {
      var outside = rank !== null && rank >= k;
      row.appendChild(el("td", { className: (outside ? "jv-outside" : "") + (layer === view.layer ? " jv-layer-on" : "") }, [
        el("span", { className: "jv-rank", text: "rank " + Dom.formatRank(rank) }),
        el("span", { className: "jv-sim", text: measure.format(result[measure.key][view.selected][layer]) }),
      ]));
    });
    return el("tfoot", {}, [row]);
  }

  function fill(table, result, tokens, view, pickLayer, measure) {
    // Against the output head, the "next" variant ranks the token after the selected one.
    var own = view.variant === "next" ? tokens[view.selected + 1] || { id: -1, text: "no next token" } : tokens[view.selected];
    var neighbours = result.neighbours[view.selected];
    var layers = neighbours.length, k = neighbours[0].length;
    table.textContent = "";
    table.appendChild(headRow(layers, view.layer, pickLayer));
    var body = el("tbody");
    for (var row = 0; row < k; row++) {
      var tr = el("tr", {}, [el("th", { scope: "row", text: String(row) })]);
      for (var layer = 0; layer < layers; layer++) {
        tr.appendChild(neighbourCell(neighbours[layer][row], own, layer === view.layer, measure));
      }
      body.appendChild(tr);
    }
    table.appendChild(body);
    table.appendChild(ownRow(result, own, view, k, measure));
  }

  global.JourneyTable = { fill: fill };
})(window);
