/*
 * JourneyDownloads: files a person takes away, made inside the page (no network, works from disk).
 *   JourneyDownloads.save(text, fileName, type): offer `text` as a file.
 *   JourneyDownloads.dataButtons(source, baseName) -> element with "JSON" and "CSV" buttons.
 *     source(callback): calls callback(jsonText) with the journey's JSON exactly as POST /api/analyze
 *       answered it, or callback(null, message) when it cannot; the CSV is JourneyCsv.text of it.
 *     baseName(): the file name without its extension.
 *   JourneyDownloads.chartButtons(chart, baseName) -> element with "PNG" and "SVG" buttons (Plotly's own
 *     export of the chart as drawn, on a white background).
 *   JourneyDownloads.sidecar(src) -> jsonText(method, callback): loads, once, the classic script a gallery
 *     page ships beside itself (gallery/journey_files.py), which calls JourneyDownloads.register(its file
 *     name, full-precision page data), then calls callback(the method's journey as the API's JSON text),
 *     or callback(null, message); a <script> element, not fetch, so it works opened from disk.
 * Needs dom.js, python-text.js and journey-csv.js; chartButtons needs Plotly, sidecar JourneyView.
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var registered = {};

  function save(text, fileName, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var link = el("a", { href: url, download: fileName });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 0);
  }

  function button(label, title, onClick) {
    var element = el("button", { type: "button", className: "jv-download", title: title, text: label });
    element.addEventListener("click", onClick);
    return element;
  }

  function dataButtons(source, baseName) {
    var note = el("span", { className: "jv-download-note", role: "status" });
    function take(make) {
      return function () {
        source(function (jsonText, problem) {
          note.textContent = jsonText === null ? "Download unavailable: " + problem : "";
          if (jsonText !== null) make(jsonText);
        });
      };
    }
    return el("div", { className: "jv-downloads", role: "group", "aria-label": "Download the numbers" }, [
      el("span", { className: "jv-downloads-label", text: "Download" }),
      button("JSON", "The journey exactly as the API answers it (every variant of the shown method)",
        take(function (text) { save(text, baseName() + ".json", "application/json"); })),
      button("CSV", "One row per variant, token and layer, with the nearest vocabulary rows",
        take(function (text) { save(JourneyCsv.text(JSON.parse(text)), baseName() + ".csv", "text/csv"); })),
      note,
    ]);
  }

  function chartButtons(chart, baseName) {
    function exportAs(format) {
      return function () {
        var layout = Object.assign({}, chart.layout, { paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff" });
        Plotly.downloadImage({ data: chart.data, layout: layout }, {
          format: format, filename: baseName(), width: chart.clientWidth || 700, height: layout.height,
        });
      };
    }
    return el("div", { className: "jv-downloads jv-chart-downloads", role: "group", "aria-label": "Download the chart" }, [
      button("PNG", "The chart as a PNG image", exportAs("png")),
      button("SVG", "The chart as an SVG drawing", exportAs("svg")),
    ]);
  }

  function register(key, texts) { registered[key] = texts; }

  function sidecar(src) {
    var key = src.split("/").pop(), loadOnce = Dom.scriptOnce(src), journeys = null, texts = {};
    return function jsonText(method, callback) {
      loadOnce(function () {
        if (!journeys && registered[key]) journeys = JourneyView.fromCompact(registered[key]);
        if (!journeys) return callback(null, "the file " + src + " is missing");
        if (!(method in texts)) texts[method] = PythonText.json(journeys[method]);
        callback(texts[method]);
      });
    };
  }

  global.JourneyDownloads = {
    save: save, dataButtons: dataButtons, chartButtons: chartButtons, register: register, sidecar: sidecar,
  };
})(window);
