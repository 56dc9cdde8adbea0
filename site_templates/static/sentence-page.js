/* Sentence page: render the page's own data (shipped inline, no fetch), keep the choices in the URL hash
   (back and forward step through them), and offer the journey's numbers from the full-precision file
   shipped beside the page. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("journey-data").textContent);
  var holder = document.getElementById("journey");
  var methodName = document.getElementById("method-name");
  var labels = { exact: "the exact method", seed: "the published demo's computation" };
  var jsonText = JourneyDownloads.sidecar(holder.dataset.file);
  var view = null;

  function viewState(values) {
    return {
      method: values.method,
      variant: values.variant,
      selected: UrlState.number(values.token),
      layer: values.layer === undefined ? null : UrlState.number(values.layer),
    };
  }

  function baseName() { return holder.dataset.name + "-" + view.state.method; }

  var downloads = JourneyDownloads.dataButtons(function (callback) {
    jsonText(view.state.method, callback);
  }, baseName);
  var shipped = document.getElementById("contextual-data");
  var contextual = shipped ? ContextualView.create({ ownSentenceLeftOut: true }) : null;
  if (contextual) contextual.show(JSON.parse(shipped.textContent));
  view = JourneyView.render(holder, JourneyView.fromCompact(page), Object.assign(viewState(UrlState.read()), {
    unavailable: page.unavailable,
    positionEncoding: page.position_encoding,
    belowTable: contextual && contextual.element,
    toolbar: downloads,
    fileName: baseName,
    onChange: function (state, byUser) {
      if (contextual) contextual.update(state);
      methodName.textContent = labels[state.method] || state.method;
      UrlState.write({ token: state.selected, variant: state.variant, method: state.method, layer: state.layer }, byUser);
    },
  }));
  UrlState.onRestore(function (values) { view.apply(viewState(values)); });
})();
