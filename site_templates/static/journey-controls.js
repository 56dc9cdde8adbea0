/*
 * JourneyControls: the controls of a journey view: the method choice, the positional switch (or the line
 * saying why there is none) and the token chips.
 *   JourneyControls.methodChoice(id, methods, unavailable, setMethod) -> {element, inputs}
 *   JourneyControls.positionalChoice(offered, model, positionEncoding, setVariant) -> {element, input}
 *   JourneyControls.nextTokenChoice(offered, setVariant) -> {element, input}: against the output head, the
 *     switch between the token itself ("own") and the next token ("next", causal decoders only)
 *   JourneyControls.chipBar(id, tokens, select, state) -> {element, buttons}
 *   JourneyControls.updateChips(buttons, result, state, vocabSize)
 *   JourneyControls.firstContentToken(tokens) -> index of the first token that is not a special token
 * A classic script (no modules) so gallery pages work opened from disk; needs dom.js.
 */
(function (global) {
  "use strict";
  var el = Dom.el;
  var METHOD_LABELS = { exact: "Exact", seed: "Published demo's computation" };
  var METHOD_NOTES = {
    exact: "what the model computes",
    seed: "the original demo's arithmetic, for comparison with the study",
  };

  function isSpecial(token) {
    return /^(\[(CLS|SEP|PAD|MASK|UNK)\]|<\/?s>|<\|endoftext\|>|<pad>|<mask>|<unk>|<bos>|<eos>)$/.test(token.text);
  }

  function firstContentToken(tokens) {
    for (var i = 0; i < tokens.length; i++) if (!isSpecial(tokens[i])) return i;
    return 0;
  }

  /* The method choice (when there is one): a radio per method, unavailable ones disabled with the reason. */
  function methodChoice(id, methods, unavailable, setMethod) {
    var inputs = {};
    var all = methods.concat(Object.keys(unavailable).filter(function (m) { return methods.indexOf(m) < 0; }));
    if (all.length < 2) return { element: null, inputs: inputs };
    var fieldset = el("fieldset", { className: "jv-methods" }, [el("legend", { text: "Method" })]);
    all.forEach(function (method) {
      var input = el("input", { type: "radio", name: id + "-method", value: method });
      var available = methods.indexOf(method) >= 0;
      if (!available) input.disabled = true;
      inputs[method] = input;
      var label = el("label", { className: "jv-method" + (available ? "" : " jv-unavailable") }, [
        input,
        el("span", { text: METHOD_LABELS[method] || method }),
        el("small", { text: available ? METHOD_NOTES[method] : "unavailable for this model" }),
      ]);
      if (!available) label.title = unavailable[method];
      input.addEventListener("change", function () { setMethod(method); });
      fieldset.appendChild(label);
    });
    return { element: fieldset, inputs: inputs };
  }

  /* The positional switch where the model offers the variant; otherwise one line saying why not. */
  function positionalChoice(offered, model, positionEncoding, setVariant) {
    if (!offered) {
      var how = positionEncoding ? "encodes positions by " + positionEncoding : "has no learned position table";
      return { element: el("p", { className: "jv-note jv-no-positional",
        text: "No positional variant: " + model.name + " " + how + ", so there is no position row to add " +
          "to the vocabulary; every comparison is with the vocabulary as it is." }), input: null };
    }
    return toggle("jv-positional", "Add the token's position embedding to the vocabulary", function (on) {
      setVariant(on ? "positional" : "raw");
    });
  }

  function nextTokenChoice(offered, setVariant) {
    if (!offered) return { element: null, input: null };
    return toggle("jv-next", "Rank the next token (what the model predicts) instead of the token itself",
      function (on) { setVariant(on ? "next" : "own"); });
  }

  /* A labelled on/off switch: {element, input}; onToggle(checked) on every change. */
  function toggle(className, label, onToggle) {
    var input = el("input", { type: "checkbox", role: "switch", className: className });
    input.addEventListener("change", function () { onToggle(input.checked); });
    return { element: el("label", { className: "jv-switch" }, [
      input,
      el("span", { className: "jv-switch-track", "aria-hidden": "true" }),
      el("span", { text: label }),
    ]), input: input };
  }

  function chipBar(id, tokens, select, state) {
    var chips = el("div", { className: "jv-chips", role: "toolbar", "aria-label": "Tokens", "aria-describedby": id + "-hint" });
    var buttons = tokens.map(function (token, index) {
      var button = el("button", { type: "button", className: "jv-chip" + (isSpecial(token) ? " jv-special" : ""),
        "aria-pressed": "false", tabindex: "-1", "data-index": String(index), text: token.text });
      button.addEventListener("click", function () { select(index); });
      chips.appendChild(button);
      return button;
    });
    chips.addEventListener("keydown", function (event) {
      var moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      var target = null;
      if (event.key in moves) target = state.selected + moves[event.key];
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = tokens.length - 1;
      if (target === null) return;
      event.preventDefault();
      select(Math.max(0, Math.min(tokens.length - 1, target)));
      buttons[state.selected].focus();
    });
    return { element: chips, buttons: buttons };
  }

  function updateChips(buttons, result, state, vocabSize) {
    var top = Math.log10(vocabSize + 1);
    buttons.forEach(function (button, index) {
      var on = index === state.selected;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      var ranks = result.rank[index], rank = ranks[ranks.length - 1];
      button.style.setProperty("--jv-drift", (rank === null ? 0 : Math.log10(rank + 1) / top).toFixed(3));
      button.title = "rank " + Dom.formatRank(rank) + " at the last layer";
    });
  }

  global.JourneyControls = {
    methodChoice: methodChoice,
    positionalChoice: positionalChoice,
    nextTokenChoice: nextTokenChoice,
    chipBar: chipBar,
    updateChips: updateChips,
    firstContentToken: firstContentToken,
  };
})(window);
