/*
 * JourneyCharts: the similarity and rank charts of one journey, every token a faint line and the selected
 * one highlighted, the selected layer (if any) marked by a dotted line (Plotly, shipped with the site).
 * indexer/journey_figure.py builds the same figures in Python (`journey.plot()`); keep the two in step.
 *
 *   JourneyCharts.draw(charts, result, tokens, model, view, axes, measure)
 *     charts: {similarity, rank} elements; result: one variant ({rank, <value>}, [token][layer]);
 *     measure: JourneyViews.measure(view), the value the first chart shows (similarity, distance or the
 *       lens's probability); the shared value range applies to the study's similarity only;
 *     model: the journey's model ({num_layers, vocab_size}); view: {selected, layer (null for none)};
 *     axes: JourneyCharts.ownAxes() for one journey, or JourneyCharts.sharedAxes(journeys) for journeys
 *       shown side by side: the same ranges, x as relative depth (0..1) when the depths differ, and rank
 *       as a share of the vocabulary when the vocabularies differ.
 *   JourneyCharts.onPick(charts, pick): clicking a point calls pick(token index, layer).
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

  /* Ticks for rank as a share of the vocabulary: powers of ten from below 1 / vocabulary up to 100%. */
  function shareTicks(largestVocab) {
    var values = [], labels = [];
    for (var power = -Math.ceil(Math.log10(largestVocab)); power <= 0; power++) {
      values.push(Math.pow(10, power));
      labels.push(power >= -2 ? Math.pow(10, power + 2) + "%" : "0." + "0".repeat(-power - 3) + "1%");
    }
    return { tickvals: values, ticktext: labels };
  }

  function ownAxes() {
    return { depth: false, share: false, similarityRange: null, rankRange: null, largestVocab: null };
  }

  function plottedRank(rank, vocabSize, share) {
    return rank === null ? null : share ? (rank + 1) / vocabSize : rank + 1;
  }

  function extent(values, current) {
    values.forEach(function (v) {
      if (v === null) return;
      current[0] = Math.min(current[0], v);
      current[1] = Math.max(current[1], v);
    });
    return current;
  }

  function sharedAxes(journeys) {
    var layers = journeys.map(function (j) { return j.model.num_layers; });
    var vocabs = journeys.map(function (j) { return j.model.vocab_size; });
    var axes = {
      depth: Math.min.apply(null, layers) !== Math.max.apply(null, layers),
      share: Math.min.apply(null, vocabs) !== Math.max.apply(null, vocabs),
      largestVocab: Math.max.apply(null, vocabs),
    };
    var similarity = [Infinity, -Infinity], rank = [Infinity, -Infinity];
    journeys.forEach(function (journey) {
      Object.keys(journey.variants).forEach(function (variant) {
        var result = journey.variants[variant];
        result.similarity.forEach(function (row) { extent(row, similarity); });
        result.rank.forEach(function (row) {
          extent(row.map(function (r) { return plottedRank(r, journey.model.vocab_size, axes.share); }), rank);
        });
      });
    });
    var pad = Math.max(0.02, (similarity[1] - similarity[0]) * 0.05);
    axes.similarityRange = [similarity[0] - pad, similarity[1] + pad];
    var top = Math.log10(rank[0]), bottom = Math.log10(rank[1]);
    var logPad = Math.max(0.1, (bottom - top) * 0.05);
    axes.rankRange = [bottom + logPad, top - logPad];  // reversed: rank 0 at the top
    return axes;
  }

  function xValues(layers, axes) {
    var xs = [];
    for (var layer = 0; layer < layers; layer++) xs.push(axes.depth ? (layers > 1 ? layer / (layers - 1) : 0) : layer);
    return xs;
  }

  function traces(values, hoverValues, tokens, selected, xs, format) {
    var order = tokens.map(function (_, i) { return i; }).filter(function (i) { return i !== selected; });
    order.push(selected);
    return order.map(function (index) {
      var on = index === selected;
      return {
        x: xs,
        y: values[index],
        customdata: hoverValues[index].map(function (value, layer) { return [layer, value]; }),
        meta: index,
        name: tokens[index].text,
        type: "scatter",
        mode: on ? "lines+markers" : "lines",
        line: { color: on ? ACCENT : FAINT, width: on ? 3 : 1.5 },
        marker: { size: 7, color: ACCENT },
        hovertemplate: "<b>%{fullData.name}</b><br>layer %{customdata[0]}<br>" + format + "<extra></extra>",
      };
    });
  }

  function layout(yaxis, view, xs, axes) {
    var xaxis = axes.depth
      ? { title: { text: "relative depth (0 = first layer, 1 = last)" }, range: [-0.03, 1.03], dtick: 0.25 }
      : { title: { text: "layer" }, dtick: 1 };
    var shapes = view.layer === null || view.layer === undefined ? [] : [{
      type: "line", xref: "x", yref: "paper", x0: xs[view.layer], x1: xs[view.layer], y0: 0, y1: 1,
      line: { color: ACCENT, width: 1.5, dash: "dot" },
    }];
    return {
      height: 320,
      margin: { l: 56, r: 16, t: 8, b: 44 },
      font: { family: FONT, size: 13, color: "#1e293b" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      showlegend: false,
      hovermode: "closest",
      xaxis: Object.assign({ gridcolor: "#e2e8f0", zeroline: false }, xaxis),
      yaxis: Object.assign({ gridcolor: "#e2e8f0", zeroline: false }, yaxis),
      shapes: shapes,
    };
  }

  function draw(charts, result, tokens, model, view, axes, measure) {
    var xs = xValues(model.num_layers, axes);
    var valueAxis = { title: { text: measure.label } };
    if (axes.similarityRange && measure.key === "similarity") valueAxis.range = axes.similarityRange;
    var values = result[measure.key];
    Plotly.react(charts.similarity,
      traces(values, values, tokens, view.selected, xs, measure.name + " %{customdata[1]:" + measure.hover + "}"),
      layout(valueAxis, view, xs, axes), CONFIG);
    var plotted = result.rank.map(function (row) {
      return row.map(function (r) { return plottedRank(r, model.vocab_size, axes.share); });
    });
    var rankAxis = axes.share
      ? Object.assign({ title: { text: "rank, share of the vocabulary (log scale)" }, type: "log",
        range: axes.rankRange }, shareTicks(axes.largestVocab))
      : Object.assign({ title: { text: "rank (log scale)" }, type: "log" },
        axes.rankRange ? { range: axes.rankRange } : { autorange: "reversed" }, rankTicks(model.vocab_size));
    var format = "rank %{customdata[1]:,}" + (axes.share ? " of " + model.vocab_size.toLocaleString("en") : "");
    Plotly.react(charts.rank, traces(plotted, result.rank, tokens, view.selected, xs, format),
      layout(rankAxis, view, xs, axes), CONFIG);
  }

  function onPick(charts, pick) {
    [charts.similarity, charts.rank].forEach(function (chart) {
      chart.on("plotly_click", function (event) {
        if (event.points && event.points.length) pick(event.points[0].data.meta, event.points[0].pointIndex);
      });
    });
  }

  global.JourneyCharts = { draw: draw, onPick: onPick, ownAxes: ownAxes, sharedAxes: sharedAxes };
})(window);
