/*
 * ComparisonView: two journeys side by side (two texts on one model, or one text on two models), each a
 * JourneyView with its charts on shared axes (JourneyCharts.sharedAxes: the same ranges, relative depth
 * when the depths differ, rank as a share of the vocabulary when the vocabularies differ). A choice made
 * on one side is carried to the other: the matching token (the same text, ignoring case and the word-start
 * mark; the same occurrence where the text repeats), the variant and method where the other offers them,
 * and the layer at the same relative depth. Without a token given for either side, both start on the
 * longest word the two texts share. The charts come first, lined up across the two sides.
 *
 *   ComparisonView.render(container, sides, options) -> [controller, controller] (JourneyView's)
 *     sides: two {journeysByMethod, title, unavailable, positionEncoding, toolbar, fileName, belowTable,
 *       views (JourneyView's option: that side's view switches and loader)}.
 *     options: {method, variant, point, reference, metric, selected: [index, index],
 *       layer: [layer or null, layer or null], onChange(states, byUser)}: the two views' states after every
 *       change. A view chosen on one side is carried to the other where it offers it.
 * A classic script (no modules) so gallery pages work opened from disk; needs journey-view.js.
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var shown = null;  // the comparison on the page, lined up again when the window's width changes
  global.addEventListener("resize", function () { if (shown) lineUp(shown); });

  function normalised(text) { return text.replace(/^[␣▁]/, "").toLowerCase(); }

  /* The token of `to` that matches token `index` of `from`: the same occurrence of the same text, else its
     first occurrence; -1 when the text does not occur. */
  function matchingToken(from, index, to) {
    var text = normalised(from[index].text), occurrence = 0, found = [];
    for (var i = 0; i < index; i++) if (normalised(from[i].text) === text) occurrence++;
    to.forEach(function (token, i) { if (normalised(token.text) === text) found.push(i); });
    return found.length ? found[Math.min(occurrence, found.length - 1)] : -1;
  }

  /* Where a fresh comparison starts: the longest word the two texts share (the word the pair is about,
     "bank" in "…river bank." and "The bank raised…"), else each side's own default. */
  function sharedWord(left, right) {
    var best = null;
    left.forEach(function (token, i) {
      var match = matchingToken(left, i, right);
      if (match >= 0 && /\w/.test(token.text) && !/^[[<]/.test(token.text) &&
          (!best || normalised(token.text).length > normalised(left[best[0]].text).length)) best = [i, match];
    });
    return best;
  }

  /* The parts above the charts get the same height on both sides, so the two sides' charts line up. */
  function lineUp(views) {
    [".jv-controls", ".jv-hint", ".jv-chips", ".jv-summary"].forEach(function (selector) {
      var parts = views.map(function (view) { return view.root.querySelector(selector); });
      parts.forEach(function (part) { part.style.minHeight = ""; });
      var tallest = Math.max.apply(null, parts.map(function (part) { return part.offsetHeight; }));
      parts.forEach(function (part) { part.style.minHeight = tallest + "px"; });
    });
  }

  function sameDepth(layer, fromLayers, toLayers) {
    if (layer === null) return null;
    return fromLayers > 1 ? Math.round(layer / (fromLayers - 1) * (toLayers - 1)) : 0;
  }

  function render(container, sides, options) {
    var journeys = [];
    sides.forEach(function (side) {
      Object.keys(side.journeysByMethod).forEach(function (m) { journeys.push(side.journeysByMethod[m]); });
    });
    var axes = JourneyCharts.sharedAxes(journeys);
    var views = [], last = [null, null], ready = false, carrying = false;
    container.textContent = "";
    var grid = el("div", { className: "cmp" });
    container.appendChild(grid);

    function carry(from, state) {
      var to = 1 - from, before = last[from], other = views[to];
      var wanted = {};
      if (state.selected !== before.selected) {
        var match = matchingToken(views[from].tokens, state.selected, other.tokens);
        if (match >= 0) wanted.selected = match;
      }
      if (state.variant !== before.variant) wanted.variant = state.variant;
      if (state.method !== before.method) wanted.method = state.method;
      ["point", "reference", "metric"].forEach(function (name) {
        if (state[name] !== before[name]) wanted[name] = state[name];
      });
      if (state.layer !== before.layer) {
        wanted.layer = sameDepth(state.layer, views[from].model.num_layers, other.model.num_layers);
      }
      carrying = true;
      other.apply(wanted);
      carrying = false;
    }

    sides.forEach(function (side, index) {
      var holder = el("div", { className: "cmp-view" });
      grid.appendChild(el("section", { className: "cmp-side", "aria-label": side.title }, [
        el("h2", { className: "cmp-title", text: side.title }), holder,
      ]));
      views.push(JourneyView.render(holder, side.journeysByMethod, {
        method: options.method,
        variant: options.variant,
        point: options.point,
        reference: options.reference,
        metric: options.metric,
        views: side.views,
        selected: (options.selected || [])[index],
        layer: (options.layer || [null, null])[index],
        unavailable: side.unavailable,
        positionEncoding: side.positionEncoding,
        toolbar: side.toolbar,
        fileName: side.fileName,
        belowTable: side.belowTable,
        axes: axes,
        chartsFirst: true,
        onChange: function (state, byUser) {
          if (byUser && ready) carry(index, state);
          last[index] = state;
          if (ready && !carrying) {
            lineUp(views);
            if (options.onChange) options.onChange([last[0], last[1]], byUser);
          }
        },
      }));
    });
    var given = options.selected || [];
    var shared = given[0] === undefined && given[1] === undefined ? sharedWord(views[0].tokens, views[1].tokens) : null;
    if (shared) {
      views[0].apply({ selected: shared[0] });
      views[1].apply({ selected: shared[1] });
    } else if (given[1] === undefined) {
      var match = matchingToken(views[0].tokens, last[0].selected, views[1].tokens);
      if (match >= 0) views[1].apply({ selected: match });
    }
    ready = true;
    lineUp(views);
    shown = views;
    if (options.onChange) options.onChange([last[0], last[1]], false);
    return views;
  }

  global.ComparisonView = { render: render, matchingToken: matchingToken };
})(window);
