/* Sentence page: render the page's own data (shipped inline, no fetch) and keep the choice in the URL hash. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("journey-data").textContent);
  var methodName = document.getElementById("method-name");
  var labels = { exact: "the exact method", seed: "the published demo's computation" };

  function readHash() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2) state[parts[0]] = decodeURIComponent(parts[1]);
    });
    return state;
  }

  var saved = readHash();
  var shipped = document.getElementById("contextual-data");
  var contextual = shipped ? ContextualView.create({ ownSentenceLeftOut: true }) : null;
  if (contextual) contextual.show(JSON.parse(shipped.textContent));
  JourneyView.render(document.getElementById("journey"), JourneyView.fromCompact(page), {
    method: saved.method,
    variant: saved.variant,
    selected: saved.token === undefined ? undefined : Number(saved.token),
    unavailable: page.unavailable,
    positionEncoding: page.position_encoding,
    belowTable: contextual && contextual.element,
    onChange: function (state) {
      if (contextual) contextual.update(state);
      methodName.textContent = labels[state.method] || state.method;
      var hash = "#token=" + state.selected + "&variant=" + state.variant + "&method=" + state.method;
      if (history.replaceState) history.replaceState(null, "", hash);
    },
  });
})();
