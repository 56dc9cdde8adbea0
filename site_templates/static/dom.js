/*
 * Dom: the small helpers every page script shares (element building and number formatting).
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

  global.Dom = { el: el, formatSimilarity: formatSimilarity, formatRank: formatRank };
})(window);
