/*
 * Dom: the small helpers every page script shares (element building, number formatting, and loading a
 * classic script beside the page: Dom.script(src, done) calls done() once it has run or failed to load;
 * Dom.scriptOnce(src) gives a loader that loads it once for every caller).
 * A classic script (no modules) so gallery pages work opened from disk.
 */
(function (global) {
  "use strict";

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else if (name === "className") node.className = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function formatSimilarity(value) {
    return value === null || value === undefined ? "–" : value.toFixed(4);
  }

  function formatRank(value) {
    return value === null || value === undefined ? "–" : value.toLocaleString("en");
  }

  /* A <script> element, not fetch, so that a page opened from disk (file://) can load a file beside it. */
  function script(src, done) {
    var element = el("script", { src: src });
    function finish() { element.remove(); done(); }
    element.addEventListener("load", finish);
    element.addEventListener("error", finish);
    document.head.appendChild(element);
  }

  /* A loader of one script beside the page: load(done) runs the script on its first call only and calls
     done() once it has run (or failed to load); calls made while it loads wait for it. */
  function scriptOnce(src) {
    var waiting = null, loaded = false;
    return function load(done) {
      if (loaded) return done();
      if (waiting) return waiting.push(done);
      waiting = [done];
      script(src, function () {
        var callbacks = waiting;
        waiting = null;
        loaded = true;
        callbacks.forEach(function (each) { each(); });
      });
    };
  }

  global.Dom = {
    el: el, formatSimilarity: formatSimilarity, formatRank: formatRank, script: script, scriptOnce: scriptOnce,
  };
})(window);
