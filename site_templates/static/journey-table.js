/*
 * JourneyTable.fill(table, result, tokens, selected): the "Similarity and rankings" table of one token.
 *   result: one variant of a journey ({rank, similarity, neighbours}, indexed [token][layer]).
 * One column per layer: the nearest vocabulary rows with their similarity, the token's own row highlighted,
 * and a last row with the token's own rank and similarity.
 */
(function (global) {
  "use strict";
  var el = Dom.el;

  function headRow(layers) {
    var row = el("tr", {}, [el("th", { scope: "col", text: "#" })]);
    for (var layer = 0; layer < layers; layer++) row.appendChild(el("th", { scope: "col", text: "Layer " + layer }));
    return el("thead", {}, [row]);
  }

  function neighbourCell(entry, own) {
    var isOwn = entry.id === own.id;
    var cell = el("td", { className: isOwn ? "jv-own" : "" }, [
      el("span", { className: "jv-token", text: entry.text }),
      el("span", { className: "jv-sim", text: Dom.formatSimilarity(entry.similarity) }),
    ]);
    if (isOwn) {
      cell.setAttribute("aria-label",
        entry.text + " (the selected token), similarity " + Dom.formatSimilarity(entry.similarity));
    }
    return cell;
  }

  function ownRow(result, own, index, k) {
    var row = el("tr", { className: "jv-own-row" }, [el("th", { scope: "row", text: "“" + own.text + "”" })]);
    result.rank[index].forEach(function (rank, layer) {
      var outside = rank !== null && rank >= k;
      row.appendChild(el("td", { className: outside ? "jv-outside" : "" }, [
        el("span", { className: "jv-rank", text: "rank " + Dom.formatRank(rank) }),
        el("span", { className: "jv-sim", text: Dom.formatSimilarity(result.similarity[index][layer]) }),
      ]));
    });
    return el("tfoot", {}, [row]);
  }

  function fill(table, result, tokens, selected) {
    var own = tokens[selected];
    var neighbours = result.neighbours[selected];
    var layers = neighbours.length, k = neighbours[0].length;
    table.textContent = "";
    table.appendChild(headRow(layers));
    var body = el("tbody");
    for (var row = 0; row < k; row++) {
      var tr = el("tr", {}, [el("th", { scope: "row", text: String(row) })]);
      for (var layer = 0; layer < layers; layer++) tr.appendChild(neighbourCell(neighbours[layer][row], own));
      body.appendChild(tr);
    }
    table.appendChild(body);
    table.appendChild(ownRow(result, own, selected, k));
  }

  global.JourneyTable = { fill: fill };
})(window);
