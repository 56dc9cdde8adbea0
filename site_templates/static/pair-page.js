/* Side-by-side page of two gallery sentences: both journeys from the page's own data (no fetch), shown by
   ComparisonView; the choices of both sides live in the URL hash (token, token2, layer, layer2, variant,
   method, and point, reference, metric where not the study's), each side loads the views beyond the
   study's from the views file beside its sentence page, and offers its downloads (the study's view) from
   the full-precision file there. */
(function () {
  "use strict";
  var shipped = JSON.parse(document.getElementById("pair-data").textContent);
  var views = [];

  function side(entry, index) {
    var jsonText = JourneyDownloads.sidecar(entry.file);
    function baseName() { return entry.name + "-" + views[index].state.method; }
    return {
      journeysByMethod: JourneyView.fromCompact(entry.page),
      title: entry.title,
      unavailable: entry.page.unavailable,
      positionEncoding: entry.page.position_encoding,
      toolbar: JourneyDownloads.dataButtons(function (callback) {
        var state = views[index].state;
        if (JourneyViews.key(state) !== JourneyViews.key(JourneyViews.STUDY)) {
          return callback(null, JourneyViews.STUDY_ONLY_DOWNLOADS);
        }
        jsonText(state.method, callback);
      }, baseName),
      views: entry.views && { offer: entry.views, load: JourneyViews.sidecar(entry.views.file, entry.page) },
      fileName: baseName,
    };
  }

  function layer(text) { return text === undefined ? null : UrlState.number(text); }

  var saved = UrlState.read();
  views = ComparisonView.render(document.getElementById("journey"), shipped.map(side), {
    method: saved.method,
    variant: saved.variant,
    point: saved.point,
    reference: saved.reference,
    metric: saved.metric,
    selected: [UrlState.number(saved.token), UrlState.number(saved.token2)],
    layer: [layer(saved.layer), layer(saved.layer2)],
    onChange: function (states, byUser) {
      UrlState.write(Object.assign({
        token: states[0].selected, token2: states[1].selected, variant: states[0].variant,
        method: states[0].method, layer: states[0].layer, layer2: states[1].layer,
      }, JourneyViews.hashValues(states[0])), byUser);
    },
  });
  UrlState.onRestore(function (values) {
    var shown = JourneyViews.fromHash(values);
    views[0].apply(Object.assign({ selected: UrlState.number(values.token), layer: layer(values.layer),
      variant: values.variant, method: values.method }, shown));
    views[1].apply(Object.assign({ selected: UrlState.number(values.token2), layer: layer(values.layer2),
      variant: values.variant, method: values.method }, shown));
  });
})();
