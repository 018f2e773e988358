/* The questionnaire one question at a time: the default on phones, an option on larger
 * screens (remembered on the device). It only changes what is shown; saving stays with
 * respond.js, so nothing is lost whichever way the respondent moves: the Back and Next
 * buttons, a swipe, the browser's back button (each question is a history entry), or
 * the area buttons, which post the page.
 *
 * A choice moves on to the next question after a short pause, with an Undo that comes
 * back to the question and restores the choice it had. Keys 1-5 choose a level and 0
 * "don't know"; arrow keys move within the choices without moving on; Enter moves on.
 * Texts come from the page's data attributes, translated by the template.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  var bar = document.querySelector("[data-stepper]");
  if (!form || !bar || !window.history.pushState) {
    return;
  }

  var ADVANCE_DELAY = 450;
  var UNDO_TIME = 6000;
  var PREFERENCE = "cx.onePerScreen";
  var START_AT_END = "cx.stepper.startAtEnd";

  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-indicator]"));
  var positionEl = bar.querySelector("[data-stepper-position]");
  var toggle = bar.querySelector("[data-stepper-toggle]");
  var stepButtons = form.querySelector("[data-stepper-buttons]");
  var areaButtons = form.querySelector("[data-area-buttons]");
  var undoBox = form.querySelector("[data-undo]");
  var undoText = undoBox && undoBox.querySelector("[data-undo-text]");
  var phone = window.matchMedia("(max-width: 639px)");

  var current = 0;
  var stepping = false;
  var advanceTimer = null;
  var undoTimer = null;
  var undo = null; // {index, code, previous}: what Undo restores
  var chosen = new Map(); // indicator code -> the value its choice had before the last change
  var arrowKeyDown = false;
  var restoring = false;
  var touchStart = null;

  if (!questions.length) {
    return;
  }

  function storedPreference() {
    try {
      return window.localStorage.getItem(PREFERENCE);
    } catch (error) {
      return null;
    }
  }

  function wanted() {
    var stored = storedPreference();
    return stored === null ? phone.matches : stored === "1";
  }

  function checkedValue(fieldset) {
    var checked = fieldset.querySelector('input[type="radio"]:checked');
    return checked ? checked.value : null;
  }

  function codeOf(fieldset) {
    return fieldset.getAttribute("data-indicator");
  }

  function areaButton(value) {
    return areaButtons && areaButtons.querySelector('button[name="go"][value="' + value + '"]');
  }

  function nextAreaButton() {
    return areaButton("next") || areaButton("review");
  }

  // --- Showing one question -------------------------------------------------------------

  function show(index, how) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach(function (fieldset, position) {
      fieldset.classList.toggle("is-current", position === current);
    });
    var fieldset = questions[current];
    positionEl.textContent = (bar.getAttribute("data-label") || "")
      .replace("{n}", fieldset.getAttribute("data-position"))
      .replace("{total}", bar.getAttribute("data-total"));
    var back = stepButtons.querySelector('[data-step="back"]');
    back.disabled = current === 0 && !areaButton("previous");
    var next = stepButtons.querySelector('[data-step="next"]');
    var label = "data-label-next";
    if (current === questions.length - 1) {
      label = areaButton("next") ? "data-label-next-area" : "data-label-review";
    }
    next.querySelector("[data-step-label]").textContent = next.getAttribute(label);
    var hash = "#" + codeOf(fieldset);
    if (how === "push" && window.location.hash !== hash) {
      window.history.pushState({ question: codeOf(fieldset) }, "", hash);
    } else if (how === "replace") {
      window.history.replaceState({ question: codeOf(fieldset) }, "", hash);
    }
    if (how !== "start") {
      window.scrollTo(0, Math.max(0, bar.getBoundingClientRect().top + window.scrollY - 8));
      fieldset.focus({ preventScroll: true });
    }
  }

  function forward() {
    window.clearTimeout(advanceTimer);
    advanceTimer = null;
    if (current < questions.length - 1) {
      show(current + 1, "push");
      return;
    }
    var button = nextAreaButton();
    if (button) {
      form.requestSubmit ? form.requestSubmit(button) : button.click();
    }
  }

  function backward() {
    window.clearTimeout(advanceTimer);
    advanceTimer = null;
    if (current > 0) {
      show(current - 1, "push");
      return;
    }
    var button = areaButton("previous");
    if (button) {
      try {
        window.sessionStorage.setItem(START_AT_END, "1");
      } catch (error) {
        /* the previous area then opens at its first question */
      }
      form.requestSubmit ? form.requestSubmit(button) : button.click();
    }
  }

  function startIndex() {
    var code = decodeURIComponent(window.location.hash.slice(1));
    var byHash = questions.findIndex(function (fieldset) {
      return codeOf(fieldset) === code;
    });
    if (byHash >= 0) {
      return byHash;
    }
    var atEnd = null;
    try {
      atEnd = window.sessionStorage.getItem(START_AT_END);
      window.sessionStorage.removeItem(START_AT_END);
    } catch (error) {
      atEnd = null;
    }
    return atEnd ? questions.length - 1 : 0;
  }

  function setStepping(on) {
    stepping = on;
    form.classList.toggle("is-stepping", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    stepButtons.hidden = !on;
    if (areaButtons) {
      areaButtons.hidden = on;
    }
    positionEl.hidden = !on;
    if (on) {
      show(startIndex(), "start");
    } else {
      questions.forEach(function (fieldset) {
        fieldset.classList.remove("is-current");
      });
      hideUndo();
    }
  }

  // --- Moving on after a choice, and Undo ------------------------------------------------

  function hideUndo() {
    window.clearTimeout(undoTimer);
    undoTimer = null;
    undo = null;
    if (undoBox) {
      undoBox.hidden = true;
    }
  }

  function offerUndo(index, code, previous) {
    if (!undoBox) {
      return;
    }
    undo = { index: index, code: code, previous: previous };
    undoText.textContent = undoBox.getAttribute("data-saved-text");
    undoBox.hidden = false;
    window.clearTimeout(undoTimer);
    undoTimer = window.setTimeout(hideUndo, UNDO_TIME);
  }

  function undoLast() {
    if (!undo) {
      return;
    }
    var target = undo;
    hideUndo();
    window.clearTimeout(advanceTimer);
    advanceTimer = null;
    var fieldset = questions[target.index];
    if (target.previous !== null) {
      var radio = fieldset.querySelector('input[type="radio"][value="' + CSS.escape(target.previous) + '"]');
      if (radio && !radio.checked) {
        restoring = true;
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
        restoring = false;
      }
    }
    show(target.index, "push");
    var checked = fieldset.querySelector('input[type="radio"]:checked');
    (checked || fieldset).focus();
  }

  form.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches('input[type="radio"]')) {
      return;
    }
    var fieldset = radio.closest("fieldset[data-indicator]");
    var code = codeOf(fieldset);
    var previous = chosen.has(code) ? chosen.get(code) : null;
    chosen.set(code, radio.value);
    if (!stepping || restoring || arrowKeyDown || fieldset !== questions[current]) {
      return; // moving through the choices with the arrow keys is not choosing yet
    }
    var index = current;
    offerUndo(index, code, previous);
    window.clearTimeout(advanceTimer);
    if (index < questions.length - 1) {
      advanceTimer = window.setTimeout(forward, ADVANCE_DELAY);
    } else {
      // The last question of the area: the next step is the respondent's, not a page load.
      stepButtons.querySelector('[data-step="next"]').focus();
    }
  });

  // --- Keys, swipes, history -------------------------------------------------------------

  function typing(target) {
    return target.matches("textarea, input:not([type='radio']), select, [contenteditable]");
  }

  form.addEventListener("keydown", function (event) {
    if (event.key.indexOf("Arrow") === 0 && event.target.matches('input[type="radio"]')) {
      arrowKeyDown = true;
      window.setTimeout(function () {
        arrowKeyDown = false;
      }, 0);
    }
    if (stepping && event.key === "Enter" && event.target.matches('input[type="radio"]')) {
      event.preventDefault(); // Enter would post the page: here it moves to the next question
      forward();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    if (!/^[0-5]$/.test(event.key)) {
      return;
    }
    var fieldset = stepping ? questions[current] : event.target.closest && event.target.closest("fieldset[data-indicator]");
    if (!fieldset) {
      return;
    }
    var value = event.key === "0" ? form.getAttribute("data-dont-know") : event.key;
    var radio = fieldset.querySelector('input[type="radio"][value="' + value + '"]');
    if (radio) {
      event.preventDefault();
      radio.focus();
      if (!radio.checked) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (stepping) {
        forward();
      }
    }
  });

  form.addEventListener(
    "touchstart",
    function (event) {
      var touch = event.changedTouches[0];
      touchStart = stepping && !typing(event.target) ? { x: touch.clientX, y: touch.clientY } : null;
    },
    { passive: true }
  );

  form.addEventListener(
    "touchend",
    function (event) {
      if (!touchStart) {
        return;
      }
      var touch = event.changedTouches[0];
      var dx = touch.clientX - touchStart.x;
      var dy = touch.clientY - touchStart.y;
      touchStart = null;
      if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) {
        if (dx < 0) {
          forward();
        } else {
          backward();
        }
      }
    },
    { passive: true }
  );

  window.addEventListener("popstate", function () {
    if (!stepping) {
      return;
    }
    var code = decodeURIComponent(window.location.hash.slice(1));
    var index = questions.findIndex(function (fieldset) {
      return codeOf(fieldset) === code;
    });
    window.clearTimeout(advanceTimer);
    advanceTimer = null;
    show(index >= 0 ? index : 0, "none");
  });

  stepButtons.addEventListener("click", function (event) {
    var button = event.target.closest("[data-step]");
    if (button) {
      hideUndo();
      (button.getAttribute("data-step") === "next" ? forward : backward)();
    }
  });

  // The page is posted to go elsewhere: the question in the address must not follow along
  // (a redirect keeps the fragment).
  form.addEventListener("submit", function () {
    if (window.location.hash) {
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
    }
  });

  if (undoBox) {
    undoBox.querySelector("[data-undo-button]").addEventListener("click", undoLast);
  }

  toggle.addEventListener("click", function () {
    var on = !stepping;
    try {
      window.localStorage.setItem(PREFERENCE, on ? "1" : "0");
    } catch (error) {
      /* remembered for this page only */
    }
    setStepping(on);
  });

  phone.addEventListener("change", function () {
    if (storedPreference() === null) {
      setStepping(phone.matches);
    }
  });

  questions.forEach(function (fieldset) {
    fieldset.setAttribute("tabindex", "-1");
    chosen.set(codeOf(fieldset), checkedValue(fieldset));
  });
  bar.hidden = false;
  setStepping(wanted());
  if (stepping) {
    window.history.replaceState({ question: codeOf(questions[current]) }, "", "#" + codeOf(questions[current]));
  }
})();
