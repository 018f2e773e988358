/* Interviews tab: saves every level change at once and notes after a pause, through
   PUT /api/v1/assessments/{id}/interview-scores/. Without this script each area's form
   posts to the page. Changes made while a save runs go in the next one; a failed save
   keeps its changes for "Retry". */
(function () {
  "use strict";

  var root = document.querySelector(".interviews[data-api]");
  if (!root || !window.cx || !window.fetch) return;

  var NOTE_DELAY = 800;
  var url = root.dataset.api;
  var messages = root.dataset;
  var status = root.querySelector(".autosave");
  var statusText = status.querySelector(".autosave__text");
  var retry = status.querySelector(".autosave__retry");
  var pending = {};
  var timers = {};
  var saving = false;
  var locked = false;

  root.classList.add("interviews--autosave");

  function show(state, message) {
    status.className = "autosave" + (state ? " autosave--" + state : "");
    statusText.textContent = message;
    retry.hidden = state !== "error" || locked;
  }

  function card(code) {
    return root.querySelector('details[data-indicator="' + code + '"]');
  }

  function levelOf(details) {
    var checked = details.querySelector("input[type=radio]:checked");
    return checked && checked.value ? parseInt(checked.value, 10) : null;
  }

  function noteOf(details) {
    return details.querySelector("textarea").value.trim();
  }

  function firstMessage(data) {
    if (typeof data === "string") return data;
    if (Array.isArray(data)) {
      for (var i = 0; i < data.length; i += 1) {
        var found = firstMessage(data[i]);
        if (found) return found;
      }
    } else if (data && typeof data === "object") {
      if (typeof data.detail === "string") return data.detail;
      for (var key in data) {
        if (key !== "index" && Object.prototype.hasOwnProperty.call(data, key)) {
          var inner = firstMessage(data[key]);
          if (inner) return inner;
        }
      }
    }
    return "";
  }

  function updateCounts() {
    var cards = root.querySelectorAll("details[data-indicator]");
    var scored = 0;
    var perArea = {};
    Array.prototype.forEach.call(cards, function (details) {
      var area = details.dataset.area;
      perArea[area] = perArea[area] || { scored: 0, total: 0 };
      perArea[area].total += 1;
      if (details.dataset.savedLevel) {
        scored += 1;
        perArea[area].scored += 1;
      }
    });
    root.querySelector(".js-scored").textContent = scored;
    root.querySelector(".interviews__bar").value = scored;
    Object.keys(perArea).forEach(function (area) {
      var counter = root.querySelector('[data-area-count="' + area + '"]');
      if (counter) counter.textContent = perArea[area].scored + "/" + perArea[area].total;
    });
  }

  function applySaved(item) {
    var details = card(item.indicator);
    if (!details) return;
    details.dataset.savedLevel = item.level ? String(item.level) : "";
    var state = details.querySelector(".js-state");
    if (item.level) {
      state.className = "level level--" + item.level + " js-state";
      state.textContent = messages.msgLevel + " " + item.level;
    } else {
      state.className = "badge js-state";
      state.textContent = messages.msgNotAssessed;
    }
    var hasNote = details.querySelector(".js-has-note");
    if (hasNote) hasNote.hidden = !(item.level && item.note);
    var meta = details.querySelector(".js-meta");
    if (meta) meta.textContent = "";
  }

  function lock() {
    locked = true;
    Array.prototype.forEach.call(root.querySelectorAll(".interview-form__body"), function (fieldset) {
      fieldset.disabled = true;
    });
  }

  function requeue(batch) {
    batch.forEach(function (item) {
      if (!pending[item.indicator]) pending[item.indicator] = item;
    });
  }

  function flush() {
    if (saving || locked) return;
    var batch = Object.keys(pending).map(function (code) {
      return pending[code];
    });
    if (!batch.length) return;
    pending = {};
    saving = true;
    show("saving", messages.msgSaving);
    window.cx.api(url, { method: "PUT", body: { scores: batch } }).then(
      function (result) {
        saving = false;
        if (result.ok) {
          batch.forEach(applySaved);
          updateCounts();
          if (Object.keys(pending).length) flush();
          else show("saved", messages.msgSaved);
          return;
        }
        var detail = firstMessage(result.data);
        if (result.status === 409) {
          lock();
          show("error", detail || messages.msgError);
          return;
        }
        requeue(batch);
        show("error", messages.msgError + (detail ? " " + detail : ""));
      },
      function () {
        saving = false;
        requeue(batch);
        show("error", messages.msgOffline);
      }
    );
  }

  function queue(details, fromNote) {
    var code = details.dataset.indicator;
    clearTimeout(timers[code]);
    delete timers[code];
    var level = levelOf(details);
    var note = noteOf(details);
    if (level === null && fromNote) {
      if (note) show("", messages.msgNoteNeedsLevel);
      return;
    }
    if (level === null && !details.dataset.savedLevel) return;
    pending[code] = { indicator: code, level: level, note: note };
    flush();
  }

  root.addEventListener("change", function (event) {
    var details = event.target.closest("details[data-indicator]");
    if (!details) return;
    queue(details, event.target.tagName === "TEXTAREA");
  });

  root.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    var details = event.target.closest("details[data-indicator]");
    if (!details) return;
    var code = details.dataset.indicator;
    clearTimeout(timers[code]);
    timers[code] = setTimeout(function () {
      queue(details, true);
    }, NOTE_DELAY);
  });

  retry.addEventListener("click", flush);

  window.addEventListener("beforeunload", function (event) {
    if (saving || Object.keys(pending).length || Object.keys(timers).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
