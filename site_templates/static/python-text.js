/*
 * PythonText: numbers and JSON written exactly as Python writes them, so that what a page builds is byte
 * for byte what the Python code (the API, the CLI, indexer/journey_csv.py) writes.
 *   PythonText.float(x) -> repr(x) for a float: the shortest digits that read back to x (as JavaScript finds
 *     them), laid out as Python lays them out (fixed from 1e-4 up to 1e16, otherwise 1.5e-05; always with a
 *     point or an exponent).
 *   PythonText.json(value) -> json.dumps(value, ensure_ascii=False): ", " and ": " separators, keys in
 *     their order; numbers under a key named "similarity" are floats, all others whole numbers (the
 *     records' JSON has no other floats).
 * A classic script (no modules) so gallery pages work opened from disk.
 */
(function (global) {
  "use strict";

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

  function json(value, isFloat) {
    if (value === null) return "null";
    if (typeof value === "number") return isFloat ? pythonFloat(value) : String(value);
    if (typeof value === "string") return JSON.stringify(value);  // escapes as Python does
    if (Array.isArray(value)) return "[" + value.map(function (v) { return json(v, isFloat); }).join(", ") + "]";
    return "{" + Object.keys(value).map(function (key) {
      return JSON.stringify(key) + ": " + json(value[key], isFloat || key === "similarity");
    }).join(", ") + "}";
  }

  global.PythonText = { float: pythonFloat, json: function (value) { return json(value, false); } };
})(window);
