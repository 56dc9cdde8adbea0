/*
 * UrlState: a page's choices kept in the URL's hash, so that a copied link reopens the same view and the
 * browser's back and forward buttons step through the choices made.
 *   UrlState.read() -> {name: text} from the hash (#token=3&variant=raw&...).
 *   UrlState.write(values, push): `values` (null and undefined left out) become the hash; a new history
 *     entry when `push` (a person's choice), otherwise the current entry is replaced (a first or restored
 *     view). Nothing is written when the hash would not change.
 *   UrlState.onRestore(callback): callback(read()) when back or forward (or an edited hash) changes it.
 *   UrlState.number(text) -> the whole number `text` spells, or undefined.
 * A classic script (no modules) so gallery pages work opened from disk.
 */
(function (global) {
  "use strict";

  function read() {
    var values = {};
    new URLSearchParams(location.hash.replace(/^#/, "")).forEach(function (value, name) { values[name] = value; });
    return values;
  }

  function write(values, push) {
    var params = new URLSearchParams();
    Object.keys(values).forEach(function (name) {
      if (values[name] !== null && values[name] !== undefined) params.set(name, String(values[name]));
    });
    var hash = "#" + params.toString();
    if (hash === location.hash) return;
    if (push) history.pushState(null, "", hash);
    else history.replaceState(null, "", hash);
  }

  function onRestore(callback) {
    global.addEventListener("popstate", function () { callback(read()); });
  }

  function number(text) {
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
  }

  global.UrlState = { read: read, write: write, onRestore: onRestore, number: number };
})(window);
