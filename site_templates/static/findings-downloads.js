/*
 * FindingsDownloads: the findings page's numbers as JSON (the `journeys findings --json` object the page
 * ships in #findings-data) and as a flat CSV of its per-layer series: every array of numbers (or nulls)
 * with one entry per layer, or one per pair of consecutive layers (given at the later layer), found
 * anywhere in the object; columns table (the dotted path), layer, value.
 *   FindingsDownloads.csv(findings) -> the CSV text.
 * A classic script (no modules, no fetch); needs dom.js and journey-downloads.js.
 */
(function (global) {
  "use strict";

  function isSeries(value, layers) {
    return Array.isArray(value) && (value.length === layers || value.length === layers - 1) &&
      value.every(function (v) { return v === null || typeof v === "number"; });
  }

  function walk(value, path, layers, lines) {
    if (isSeries(value, layers)) {
      var first = value.length === layers ? 0 : 1;
      value.forEach(function (v, i) { lines.push(path + "," + (first + i) + "," + (v === null ? "" : String(v))); });
    } else if (value && typeof value === "object") {
      Object.keys(value).forEach(function (key) {
        walk(value[key], path ? path + "." + key : key, layers, lines);
      });
    }
  }

  function csv(findings) {
    var lines = ["table,layer,value"];
    walk(findings, "", findings.model.num_layers, lines);
    return lines.join("\n") + "\n";
  }

  var holder = document.getElementById("findings-downloads");
  var data = document.getElementById("findings-data");
  if (holder && data) {
    var findings = JSON.parse(data.textContent);
    var name = "findings-" + (findings.model.name.split("/").pop().toLowerCase().match(/[a-z0-9.]+/g) || ["model"]).join("-");
    [["JSON", function () { JourneyDownloads.save(JSON.stringify(findings), name + ".json", "application/json"); }],
      ["CSV", function () { JourneyDownloads.save(csv(findings), name + ".csv", "text/csv"); }]]
      .forEach(function (entry) {
        var button = Dom.el("button", { type: "button", className: "jv-download", text: entry[0] });
        button.addEventListener("click", entry[1]);
        holder.appendChild(button);
      });
  }

  global.FindingsDownloads = { csv: csv };
})(window);
