/* Live explorer: POST the text to the server's /api/analyze and render the answer with JourneyView, then
   ask /api/contextual for the nearest uses in the corpus and render them with ContextualView. */
(function () {
  "use strict";
  var NEEDS_SERVER =
    "The live explorer needs the server: run `make serve` and open http://127.0.0.1:8000/explore.html";
  var form = document.getElementById("explore-form");
  var status = document.getElementById("explore-status");
  var provenance = document.getElementById("explore-provenance");
  var container = document.getElementById("journey");
  var submit = form.querySelector("button[type=submit]");
  var CONTEXTUAL_K = 3;
  var models = {};

  function say(message, isError) {
    status.hidden = !message;
    status.textContent = message || "";
    status.className = "notice" + (isError ? " notice-error" : "");
  }

  function disable() {
    Array.prototype.forEach.call(form.elements, function (field) { field.disabled = true; });
  }

  function readError(response) {
    return response.json().then(
      function (body) { return body && body.error ? body.error : "the server answered " + response.status; },
      function () { return "the server answered " + response.status; }
    );
  }

  function loadModels() {
    return fetch("/api/models").then(function (response) {
      if (!response.ok) throw new Error(NEEDS_SERVER);
      return response.json();
    }).then(function (body) {
      var select = form.elements.model;
      body.models.forEach(function (model) {
        models[model.name] = model;
        select.appendChild(new Option(model.name, model.name));
      });
      offerMethods();
    });
  }

  /* Only the methods the chosen model offers can be picked (the seed method is defined for BERT-layout
     encoders only). */
  function offerMethods() {
    var offered = (models[form.elements.model.value] || {}).methods || ["exact"];
    var select = form.elements.method;
    Array.prototype.forEach.call(select.options, function (option) {
      option.disabled = offered.indexOf(option.value) < 0;
    });
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = offered[0];
  }

  function post(path, request) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    }).then(function (response) {
      if (!response.ok) return readError(response).then(function (message) { throw new Error(message); });
      return response.json();
    });
  }

  function loadContextual(request, panel) {
    post("/api/contextual", { text: request.text, model: request.model, k: CONTEXTUAL_K }).then(
      panel.show,
      function (error) {
        panel.fail("Nearest uses in the corpus are unavailable: " +
          (error instanceof TypeError ? "the server did not answer" : error.message));
      }
    );
  }

  function analyse(event) {
    event.preventDefault();
    var request = {
      text: form.elements.text.value,
      model: form.elements.model.value,
      method: form.elements.method.value,
      top_k: Number(form.elements.top_k.value),
    };
    submit.disabled = true;
    say("Analysing…", false);
    post("/api/analyze", request).then(function (journey) {
      say("", false);
      provenance.hidden = false;
      provenance.textContent = "Computed by " + journey.model.name + " with the " +
        (journey.method === "seed" ? "published demo's computation" : "exact method") + ".";
      var byMethod = {};
      byMethod[journey.method] = journey;
      var contextual = ContextualView.create({ ownSentenceLeftOut: false });
      contextual.wait("Looking up the nearest uses in the corpus…");
      var model = models[journey.model.name] || {};
      JourneyView.render(container, byMethod, {
        belowTable: contextual.element,
        onChange: contextual.update,
        positionEncoding: model.position_encoding,
      });
      loadContextual(request, contextual);
    }, function (error) {
      say(error instanceof TypeError ? NEEDS_SERVER : error.message, true);
    }).then(function () { submit.disabled = false; });
  }

  if (location.protocol === "file:") {
    say(NEEDS_SERVER, true);
    disable();
    return;
  }
  form.addEventListener("submit", analyse);
  form.elements.model.addEventListener("change", offerMethods);
  loadModels().catch(function () {
    say(NEEDS_SERVER, true);
    disable();
  });
})();
