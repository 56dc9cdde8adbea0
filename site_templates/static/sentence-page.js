/* Sentence page: render the page's own data (shipped inline, no fetch), load the views beyond the study's
   from the views file beside the page when one is chosen, keep the choices in the URL hash (back and
   forward step through them), and offer the journey's numbers from the full-precision file shipped beside
   the page (the study's view only). */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("journey-data").textContent);
  var holder = document.getElementById("journey");
  var methodName = document.getElementById("method-name");
  var labels = { exact: "the exact method", seed: "the published demo's computation" };
  var jsonText = JourneyDownloads.sidecar(holder.dataset.file);
  var offered = document.getElementById("journey-views");
  var offer = offered ? JSON.parse(offered.textContent) : null;
  var view = null;

  function viewState(values) {
    return Object.assign({
      method: values.method,
      variant: values.variant,
      selected: UrlState.number(values.token),
      layer: values.layer === undefined ? null : UrlState.number(values.layer),
    }, JourneyViews.fromHash(values));
  }

  function baseName() { return holder.dataset.name + "-" + view.state.method; }

  var downloads = JourneyDownloads.dataButtons(function (callback) {
    if (JourneyViews.key(view.state) !== JourneyViews.key(JourneyViews.STUDY)) {
      return callback(null, JourneyViews.STUDY_ONLY_DOWNLOADS);
    }
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
    views: offer && { offer: offer, load: JourneyViews.sidecar(offer.file, page) },
    fileName: baseName,
    onChange: function (state, byUser) {
      if (contextual) contextual.update(state);
      methodName.textContent = labels[state.method] || state.method;
      UrlState.write(Object.assign({ token: state.selected, variant: state.variant, method: state.method,
        layer: state.layer }, JourneyViews.hashValues(state)), byUser);
    },
  }));
  UrlState.onRestore(function (values) { view.apply(viewState(values)); });
})();
