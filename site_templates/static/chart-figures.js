/*
 * Draws every `.chart` element of a page from the figures its JSON block holds (the element named by this
 * script's data-figures), picked by the element's data-kind and, where figures come per method, its
 * data-method. A file of its own, not an inline script, so that pages satisfy the site's
 * Content-Security-Policy. A classic script (no modules) so pages work opened from disk; needs plotly.min.js.
 */
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById(document.currentScript.dataset.figures).textContent);
  document.querySelectorAll(".chart").forEach(function (element) {
    var figure = figures[element.dataset.kind];
    if (element.dataset.method) figure = figure[element.dataset.method];
    Plotly.newPlot(element, figure.data, figure.layout, { responsive: true, displaylogo: false });
  });
})();
