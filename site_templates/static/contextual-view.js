/*
 * ContextualView: the "Nearest uses in the corpus" panel: for the selected token and each layer, the
 * corpus token occurrences whose encodings at that layer are nearest to its own.
 *
 *   ContextualView.create(options) -> panel
 *     options: {ownSentenceLeftOut: true when the text's own occurrences were excluded}.
 *     panel: {element, show(result), fail(message), wait(message), update(state)}.
 *       result: exactly what POST /api/contextual returns (ContextualResult.to_dict(): {model, method, k,
 *         corpus_sentences, tokens, neighbours: [token][layer][hit] with hit {sentence, position, token,
 *         similarity, context: {before, match, after}}}); the gallery ships the same shape inline.
 *       state: JourneyView's {method, variant, selected, point, reference, metric}; pass it from
 *         JourneyView's onChange. The corpus is indexed in the study's view only; another method or view
 *         chosen above is said in a note.
 *     Place panel.element with JourneyView's `belowTable` option.
 *
 * A classic script (no modules, no fetch) so gallery pages work opened from disk; needs dom.js and
 * journey-views.js.
 */
(function (global) {
  "use strict";

  function el(tag, className, text) {
    var attributes = { className: className || "" };
    if (text !== undefined) attributes.text = text;
    return Dom.el(tag, attributes);
  }

  function quoted(hit) {
    var quote = el("q", "cv-snippet");
    quote.appendChild(document.createTextNode(hit.context.before));
    quote.appendChild(el("mark", "", hit.context.match));
    quote.appendChild(document.createTextNode(hit.context.after));
    return quote;
  }

  function hitItem(hit) {
    var item = el("li", "cv-hit");
    item.appendChild(quoted(hit));
    item.appendChild(el("span", "jv-sim", hit.similarity.toFixed(4)));
    return item;
  }

  function create(options) {
    options = options || {};
    var element = el("section", "jv-section cv-panel");
    element.setAttribute("aria-live", "polite");
    element.appendChild(el("h2", "", "Nearest uses in the corpus"));
    var caption = el("p", "jv-caption");
    var methodNote = el("p", "cv-method-note");
    var body = el("div", "cv-body");
    [caption, methodNote, body].forEach(function (node) { element.appendChild(node); });
    var result = null;
    var state = null;

    function message(text, className) {
      result = null;
      caption.textContent = "";
      methodNote.hidden = true;
      body.textContent = "";
      body.appendChild(el("p", className, text));
    }

    function describe() {
      caption.textContent =
        "The " + result.k + " token occurrences in the corpus (" + result.corpus_sentences.toLocaleString("en") +
        " sentences" + (options.ownSentenceLeftOut ? ", this one left out" : "") + ") whose encodings at the " +
        "same layer are nearest to the selected token's, by cosine similarity; computed by the " + result.method +
        " method.";
    }

    function draw() {
      if (!result || !state) return;
      var otherMethod = state.method !== result.method;
      var otherView = JourneyViews.key(JourneyViews.fromHash(state)) !== JourneyViews.key(JourneyViews.STUDY);
      element.classList.toggle("cv-other-method", otherMethod || otherView);
      methodNote.hidden = !(otherMethod || otherView);
      methodNote.textContent = otherMethod
        ? "The corpus is indexed by the " + result.method + " method only, so these nearest uses stay the " +
          result.method + " method's whichever method is chosen above."
        : "The corpus is indexed in the study's view only (after attention, by cosine), so these nearest " +
          "uses stay that view's whichever view is chosen above.";
      body.textContent = "";
      var layers = result.neighbours[state.selected];
      if (!layers) {
        body.appendChild(el("p", "cv-empty", "No neighbours for this token."));
        return;
      }
      var token = result.tokens[state.selected].text;
      var table = el("table", "cv-table");
      var rows = el("tbody");
      layers.forEach(function (hits, layer) {
        var row = el("tr");
        row.appendChild(el("th", "", "Layer " + layer));
        var cell = el("td");
        var list = el("ol", "cv-hits");
        hits.forEach(function (hit) { list.appendChild(hitItem(hit)); });
        if (!hits.length) cell.appendChild(el("span", "cv-empty", "none"));
        cell.appendChild(list);
        row.appendChild(cell);
        rows.appendChild(row);
      });
      table.appendChild(rows);
      var lead = el("p", "cv-lead");
      lead.appendChild(el("strong", "", "“" + token + "”"));
      lead.appendChild(document.createTextNode(": its nearest uses at each layer, most similar first, the matching token highlighted in its sentence."));
      body.appendChild(lead);
      var wrap = el("div", "jv-table-wrap");
      wrap.appendChild(table);
      body.appendChild(wrap);
    }

    return {
      element: element,
      show: function (found) { result = found; describe(); draw(); },
      fail: function (text) { message(text, "notice notice-error"); },
      wait: function (text) { message(text, "cv-empty"); },
      update: function (changed) { state = changed; draw(); },
    };
  }

  global.ContextualView = { create: create };
})(window);
