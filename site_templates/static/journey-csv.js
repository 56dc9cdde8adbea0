/*
 * JourneyCsv.text(journey) -> the CSV of one journey (Journey.to_dict() as POST /api/analyze returns it),
 * byte for byte what indexer/journey_csv.py writes (`journeys analyze --csv`): one row per variant x token x
 * layer with model, method, variant, position, token_id, token_text, layer, rank, similarity, then for each
 * of the k nearest vocabulary rows neighbour_<n>_id, neighbour_<n>_text, neighbour_<n>_similarity.
 * Similarities are written as Python's repr writes floats (JourneyCsv.pythonFloat), a missing value as an
 * empty field; fields holding a comma, a quote or a line break are quoted; lines end with "\n".
 * A classic script (no modules) so gallery pages work opened from disk.
 */
(function (global) {
  "use strict";
  var FIXED = ["model", "method", "variant", "position", "token_id", "token_text", "layer", "rank", "similarity"];

  /* Python's repr of a float: the same shortest digits JavaScript finds, laid out as Python lays them out
     (fixed notation from 1e-4 up to 1e16, otherwise d.ddde-05; always a point or an exponent). */
  function pythonFloat(value) {
    if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
    var parts = String(Math.abs(value)).split("e");
    var mantissa = parts[0].split(".");
    var all = mantissa[0] + (mantissa[1] || "");
    var leading = all.length - all.replace(/^0+/, "").length;
    var digits = all.slice(leading).replace(/0+$/, "");
    var exponent = Number(parts[1] || 0) + mantissa[0].length - 1 - leading;
    var sign = value < 0 ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
      var power = String(Math.abs(exponent));
      return sign + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") +
        "e" + (exponent < 0 ? "-" : "+") + (power.length < 2 ? "0" + power : power);
    }
    if (exponent < 0) return sign + "0." + "0".repeat(-exponent - 1) + digits;
    var whole = (digits + "0".repeat(exponent + 1)).slice(0, exponent + 1);
    return sign + whole + "." + (digits.slice(exponent + 1) || "0");
  }

  function field(value, isFloat) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return isFloat ? pythonFloat(value) : String(value);
    return /[,"\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function header(k) {
    var columns = FIXED.slice();
    for (var n = 1; n <= k; n++) {
      columns.push("neighbour_" + n + "_id", "neighbour_" + n + "_text", "neighbour_" + n + "_similarity");
    }
    return columns.join(",");
  }

  function rows(journey, variant, lines) {
    var result = journey.variants[variant];
    journey.tokens.forEach(function (token, position) {
      result.neighbours[position].forEach(function (neighbours, layer) {
        var cells = [field(journey.model.name), field(journey.method), field(variant), field(position),
          field(token.id), field(token.text), field(layer), field(result.rank[position][layer]),
          field(result.similarity[position][layer], true)];
        neighbours.forEach(function (n) { cells.push(field(n.id), field(n.text), field(n.similarity, true)); });
        lines.push(cells.join(","));
      });
    });
  }

  function text(journey) {
    var variants = Object.keys(journey.variants);
    var first = journey.variants[variants[0]].neighbours;
    var lines = [header(first.length && first[0].length ? first[0][0].length : 0)];
    variants.forEach(function (variant) { rows(journey, variant, lines); });
    return lines.join("\n") + "\n";
  }

  global.JourneyCsv = { text: text, pythonFloat: pythonFloat };
})(window);
