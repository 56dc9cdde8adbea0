/*
 * JourneyCharts: the similarity and rank charts of one journey, every token a faint line and the selected
 * one highlighted (Plotly, shipped with the site).
 *   JourneyCharts.draw(similarityChart, rankChart, result, tokens, selected, vocabSize)
 *   JourneyCharts.onPick(charts, select): clicking a line selects its token.
 */
(function (global) {
  "use strict";
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var ACCENT = "#c2410c";
  var FAINT = "rgba(71, 85, 105, 0.22)";
  var CONFIG = { displayModeBar: false, responsive: true };

  function rankTicks(vocabSize) {
    var values = [], labels = [];
    for (var power = 1; power <= vocabSize * 10; power *= 10) {
      values.push(power === 1 ? 1 : power + 1);
      labels.push(power === 1 ? "0" : power >= 1000 ? power / 1000 + "k" : String(power));
    }
    return { tickvals: values, ticktext: labels };
  }

  function traces(values, hoverValues, tokens, selected, format) {
    var layerNumbers = values[0].map(function (_, layer) { return layer; });
    var order = tokens.map(function (_, i) { return i; }).filter(function (i) { return i !== selected; });
    order.push(selected);
    return order.map(function (index) {
      var on = index === selected;
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

  function layout(yaxis) {
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

  function draw(similarityChart, rankChart, result, tokens, selected, vocabSize) {
    Plotly.react(similarityChart,
      traces(result.similarity, result.similarity, tokens, selected, "similarity %{y:.4f}"),
      layout({ title: { text: "cosine similarity" } }), CONFIG);
    var plotted = result.rank.map(function (row) {
      return row.map(function (r) { return r === null ? null : r + 1; });
    });
    Plotly.react(rankChart, traces(plotted, result.rank, tokens, selected, "rank %{customdata:,}"),
      layout(Object.assign({ title: { text: "rank (log scale)" }, type: "log", autorange: "reversed" },
        rankTicks(vocabSize))), CONFIG);
  }

  function onPick(charts, select) {
    charts.forEach(function (chart) {
      chart.on("plotly_click", function (event) {
        if (event.points && event.points.length) select(event.points[0].data.meta);
      });
    });
  }

  global.JourneyCharts = { draw: draw, onPick: onPick };
})(window);
