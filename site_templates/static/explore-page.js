/* Live explorer: POST the text to the server's /api/analyze and render the answer with JourneyView (or two
   answers side by side with ComparisonView), ask /api/contextual for the nearest uses in the corpus, offer
   the downloads, and keep the whole analysis in the URL hash (ExploreLink) so a copied link reopens it and
   back and forward step through the choices. The view switches offer the points and references the model
   lists in /api/models; a view beyond the study's is asked for (its point, reference and metric as request
   fields) when first chosen. */
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
  var shown = null;  // {key, views}: what is on the page
  var latest = 0;  // only the latest analysis asked for is drawn

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
      body.models.forEach(function (model) {
        models[model.name] = model;
        form.elements.model.appendChild(new Option(model.name, model.name));
        form.elements.model2.appendChild(new Option(model.name, model.name));
      });
      if (body.models.length > 1) form.elements.model2.selectedIndex = 1;
      offerChoices();
    });
  }

  /* Only the methods every chosen model offers can be picked (the seed method is defined for BERT-layout
     encoders only), and only the second field the comparison needs is shown. */
  function offerChoices() {
    var compare = form.elements.compare.value;
    var chosen = [form.elements.model.value].concat(compare === "model" ? [form.elements.model2.value] : []);
    var select = form.elements.method;
    Array.prototype.forEach.call(select.options, function (option) {
      option.disabled = chosen.some(function (name) {
        return ((models[name] || {}).methods || ["exact"]).indexOf(option.value) < 0;
      });
    });
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = "exact";
    form.querySelectorAll("[data-compare]").forEach(function (field) {
      field.hidden = field.dataset.compare !== compare;
    });
  }

  function post(path, request) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    }).then(function (response) {
      if (!response.ok) return readError(response).then(function (message) { throw new Error(message); });
      return response.text();
    });
  }

  function contextualPanel(request) {
    var panel = ContextualView.create({ ownSentenceLeftOut: false });
    panel.wait("Looking up the nearest uses in the corpus…");
    post("/api/contextual", { text: request.text, model: request.model, k: CONTEXTUAL_K }).then(
      function (text) { panel.show(JSON.parse(text)); },
      function (error) {
        panel.fail("Nearest uses in the corpus are unavailable: " +
          (error instanceof TypeError ? "the server did not answer" : error.message));
      }
    );
    return panel;
  }

  function slug(text) {
    return (text.toLowerCase().match(/[a-z0-9]+/g) || ["text"]).slice(0, 6).join("-");
  }

  /* One analysed text: its journey in the study's view, the exact JSON text the server sent for each view
     asked for, and what its view needs. */
  function side(request, jsonText, onState) {
    var journey = JSON.parse(jsonText);
    var model = models[journey.model.name] || {};
    var texts = {}, shown = JourneyViews.STUDY;
    texts[JourneyViews.key(shown)] = jsonText;
    function baseName() {
      var view = JourneyViews.key(shown) === JourneyViews.key(JourneyViews.STUDY) ? "" : "-" + slug(JourneyViews.key(shown));
      return "journey-" + slug(request.text) + "-" + slug(journey.model.name.split("/").pop()) + "-" + journey.method + view;
    }
    function load(viewKey, callback) {
      var parts = viewKey.split("/");
      post("/api/analyze", Object.assign({}, request, { point: parts[0], reference: parts[1], metric: parts[2] })).then(
        function (text) {
          texts[viewKey] = text;
          var byMethod = {};
          byMethod[journey.method] = JSON.parse(text);
          callback(byMethod);
        },
        function (error) { callback(null, error instanceof TypeError ? "the server did not answer" : error.message); }
      );
    }
    var panel = contextualPanel(request);
    var byMethod = {};
    byMethod[journey.method] = journey;
    return {
      journeysByMethod: byMethod,
      title: journey.model.name + ": “" + request.text + "”",
      positionEncoding: model.position_encoding,
      views: {
        offer: { points: model.points || [], references: model.references || [], metrics: JourneyViews.METRICS },
        load: load,
      },
      toolbar: JourneyDownloads.dataButtons(function (callback) {
        callback(texts[JourneyViews.key(shown)] || null, "this view has not arrived from the server yet");
      }, baseName),
      fileName: baseName,
      belowTable: panel.element,
      onChange: function (state) { shown = state; panel.update(state); onState(state); },
    };
  }

  function draw(analysis, answers, values) {
    var requests = ExploreLink.requests(analysis);
    var key = ExploreLink.key(analysis);
    var states = [];
    function remember(index) { return function (state) { states[index] = state; }; }
    var sides = answers.map(function (text, i) { return side(requests[i], text, remember(i)); });
    var view = ExploreLink.viewOptions(values);
    function write(byUser) { ExploreLink.write(analysis, states, byUser); }
    provenance.hidden = false;
    provenance.textContent = "Computed by " + sides.map(function (s) { return s.journeysByMethod[analysis.method].model.name; })
      .filter(function (name, i, all) { return all.indexOf(name) === i; }).join(" and ") + " with the " +
      (analysis.method === "seed" ? "published demo's computation" : "exact method") + ".";
    var views;
    if (sides.length === 1) {
      var only = sides[0];
      views = [JourneyView.render(container, only.journeysByMethod, Object.assign({}, only, view.sides[0], {
        method: analysis.method, variant: view.variant, point: view.point, reference: view.reference,
        metric: view.metric,
        onChange: function (state, byUser) { only.onChange(state); write(byUser); },
      }))];
    } else {
      views = ComparisonView.render(container, sides, {
        method: analysis.method, variant: view.variant, point: view.point, reference: view.reference,
        metric: view.metric,
        selected: view.sides.map(function (s) { return s.selected; }),
        layer: view.sides.map(function (s) { return s.layer; }),
        onChange: function (both, byUser) {
          both.forEach(function (state, i) { sides[i].onChange(state); });
          write(byUser);
        },
      });
    }
    shown = { key: key, views: views };
  }

  function run(analysis, values, push) {
    var ticket = ++latest;
    submit.disabled = true;
    say("Analysing…", false);
    Promise.all(ExploreLink.requests(analysis).map(function (request) { return post("/api/analyze", request); }))
      .then(function (answers) {
        if (ticket !== latest) return;
        say("", false);
        if (push) ExploreLink.write(analysis, [], true);
        draw(analysis, answers, values);
      }, function (error) {
        if (ticket === latest) say(error instanceof TypeError ? NEEDS_SERVER : error.message, true);
      })
      .then(function () { if (ticket === latest) submit.disabled = false; });
  }

  /* Back, forward, or an opened link: redraw only what changed. */
  function restore(values) {
    var analysis = ExploreLink.analysis(values);
    if (!analysis.text) {
      latest++;
      container.textContent = "";
      provenance.hidden = true;
      shown = null;
      return;
    }
    var missing = ExploreLink.models(analysis).filter(function (name) { return !models[name]; });
    if (missing.length) {
      say("This link names " + missing.join(" and ") + ", which this server has not loaded; it serves " +
        Object.keys(models).join(", ") + ".", true);
      return;
    }
    ExploreLink.fill(form, analysis);
    offerChoices();
    if (shown && shown.key === ExploreLink.key(analysis)) {
      var view = ExploreLink.viewOptions(values);
      shown.views.forEach(function (each, i) {
        each.apply(Object.assign({ variant: view.variant, point: view.point, reference: view.reference,
          metric: view.metric }, view.sides[i]));
      });
    } else {
      run(analysis, values, false);
    }
  }

  if (location.protocol === "file:") {
    say(NEEDS_SERVER, true);
    disable();
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(ExploreLink.fromForm(form), {}, true);
  });
  ["model", "model2", "compare"].forEach(function (name) { form.elements[name].addEventListener("change", offerChoices); });
  loadModels().then(function () {
    restore(UrlState.read());
    UrlState.onRestore(restore);
  }, function () {
    say(NEEDS_SERVER, true);
    disable();
  });
})();
