/*
 * JourneyCsv.text(journey) -> the CSV of one journey (Journey.to_dict() as POST /api/analyze returns it),
 * byte for byte what indexer/journey_csv.py writes (`journeys analyze --csv`): one row per variant x token x
 * layer with model, method, variant, position, token_id, token_text, layer, rank, the journey's values
 * (similarity; distance by Euclidean distance; logit and probability against the output head), then for each
 * of the k nearest vocabulary rows neighbour_<n>_id, neighbour_<n>_text and neighbour_<n>_<each value>.
 * Similarities are written as Python's repr writes floats (PythonText.float), a missing value as an empty
 * field; text beginning with =, +, -, @, a tab or a carriage return is prefixed with ' (so a spreadsheet
 * shows it instead of running it as a formula); fields holding a comma, a quote or a line break are quoted;
 * lines end with "\n".
 * A classic script (no modules) so gallery pages work opened from disk; needs python-text.js.
 */
(function (global) {
  "use strict";
  var FIXED = ["model", "method", "variant", "position", "token_id", "token_text", "layer", "rank"];

  /* The names of the journey's values, as indexer/records.py names them (Journey.value_names). */
  function valueNames(journey) {
    if (journey.reference === "output") return ["logit", "probability"];
    return [journey.metric === "euclidean" ? "distance" : "similarity"];
  }

  function field(value, isFloat) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return isFloat ? PythonText.float(value) : String(value);
    if (/^[=+\-@\t\r]/.test(value)) value = "'" + value;
    return /[,"\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function header(k, names) {
    var columns = FIXED.concat(names);
    for (var n = 1; n <= k; n++) {
      columns.push("neighbour_" + n + "_id", "neighbour_" + n + "_text");
      names.forEach(function (name) { columns.push("neighbour_" + n + "_" + name); });
    }
    return columns.join(",");
  }

  function rows(journey, variant, names, lines) {
    var result = journey.variants[variant];
    journey.tokens.forEach(function (token, position) {
      result.neighbours[position].forEach(function (neighbours, layer) {
        var cells = [field(journey.model.name), field(journey.method), field(variant), field(position),
          field(token.id), field(token.text), field(layer), field(result.rank[position][layer])];
        names.forEach(function (name) { cells.push(field(result[name][position][layer], true)); });
        neighbours.forEach(function (n) {
          cells.push(field(n.id), field(n.text));
          names.forEach(function (name) { cells.push(field(n[name], true)); });
        });
        lines.push(cells.join(","));
      });
    });
  }

  function text(journey) {
    var variants = Object.keys(journey.variants);
    var first = journey.variants[variants[0]].neighbours;
    var names = valueNames(journey);
    var lines = [header(first.length && first[0].length ? first[0][0].length : 0, names)];
    variants.forEach(function (variant) { rows(journey, variant, names, lines); });
    return lines.join("\n") + "\n";
  }

  global.JourneyCsv = { text: text };
})(window);
