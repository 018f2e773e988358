/* The questionnaire page: every answer is saved at once through the API.
 *
 * A radio change sends that answer (with its comment) immediately; a comment is sent
 * 800 ms after typing stops, together with the chosen level or, on a question with none
 * yet, alone (the question stays unanswered until a level is chosen). Requests go one at a time, so a later answer never lands before
 * an earlier one. On a network error, 5xx or 429 the answers stay queued and are retried
 * with backoff; a 409 (submitted or closed) reloads the page. All texts the respondent
 * sees come from the form's data attributes, translated by the template. Without this
 * script the form still saves everything on the page when any of its buttons is used.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) {
    return;
  }

  var COMMENT_DELAY = 800;
  var RETRY_FIRST = 1000;
  var RETRY_MAX = 30000;
  var IDLE_WAIT_MAX = 4000;

  var data = form.dataset;
  var apiUrl = data.apiUrl;
  var dontKnow = data.dontKnow || "dk";
  var total = parseInt(data.total, 10) || 0;
  var answeredCount = parseInt(data.answered, 10) || 0;
  var statusEl = form.querySelector("[data-save-status]");

  var queue = new Map(); // indicator code -> answer item not yet sent
  var commentTimers = new Map(); // indicator code -> debounce timer
  var inflight = false;
  var retryDelay = 0;
  var retryTimer = null;
  var submitting = false;
  var idleWaiters = [];
  var refused = false; // the server refused an answer: say so until the page is posted

  // --- Status ------------------------------------------------------------------------

  function showStatus(state) {
    if (state === "saved" && refused) {
      state = "error";
    }
    if (!statusEl) {
      return;
    }
    var text = data[state] || "";
    if (statusEl.textContent !== text) {
      statusEl.textContent = text;
    }
    statusEl.setAttribute("data-state", state);
  }

  function busy() {
    return inflight || queue.size > 0 || commentTimers.size > 0;
  }

  function settle() {
    if (busy()) {
      return;
    }
    var waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach(function (resolve) {
      resolve();
    });
  }

  // Resolves when nothing is left to send, or after `limit` ms at the latest.
  function whenIdle(limit) {
    return new Promise(function (resolve) {
      if (!busy()) {
        resolve();
        return;
      }
      idleWaiters.push(resolve);
      window.setTimeout(resolve, limit);
    });
  }

  // --- Reading the form ----------------------------------------------------------------

  function fieldsetOf(code) {
    return document.getElementById(code);
  }

  function checkedLevel(code) {
    var checked = form.querySelector('input[type="radio"][name="level-' + CSS.escape(code) + '"]:checked');
    return checked ? checked.value : null;
  }

  function commentOf(code) {
    var textarea = form.querySelector('textarea[name="comment-' + CSS.escape(code) + '"]');
    return textarea ? textarea.value : "";
  }

  // Without a "level" the server saves the comment alone and keeps any level already saved.
  function item(code) {
    var choice = checkedLevel(code);
    var answer = { indicator: code, comment: commentOf(code).slice(0, 2000) };
    if (choice !== null) {
      answer.level = choice === dontKnow ? null : parseInt(choice, 10);
    }
    return answer;
  }

  // --- Progress --------------------------------------------------------------------------

  function progressUpdate() {
    var percent = total ? Math.round((100 * answeredCount) / total) : 0;
    var text = (data.progressTemplate || "")
      .replace("{answered}", String(answeredCount))
      .replace("{total}", String(total));
    document.querySelectorAll("[data-progress-text]").forEach(function (el) {
      el.textContent = text;
    });
    document.querySelectorAll("[data-progress-percent]").forEach(function (el) {
      el.textContent = percent + "%";
    });
    document.querySelectorAll("[data-progress-bar]").forEach(function (el) {
      el.setAttribute("aria-valuenow", String(percent));
      el.setAttribute("aria-valuetext", text);
    });
    document.querySelectorAll("[data-progress-fill]").forEach(function (el) {
      el.setAttribute("width", String(percent));
    });
    var areaCount = document.querySelector("[data-area-count]");
    if (areaCount) {
      var fieldsets = form.querySelectorAll("fieldset[data-indicator]");
      var answeredHere = form.querySelectorAll("fieldset[data-indicator][data-answered]").length;
      areaCount.textContent = answeredHere + "/" + fieldsets.length;
    }
  }

  function markAnswered(code) {
    var fieldset = fieldsetOf(code);
    if (fieldset && !fieldset.hasAttribute("data-answered")) {
      fieldset.setAttribute("data-answered", "");
      answeredCount = Math.min(total, answeredCount + 1);
      progressUpdate();
    }
  }

  // --- Sending ------------------------------------------------------------------------------

  function enqueue(code) {
    queue.set(code, item(code));
    flush();
  }

  function retryLater() {
    retryDelay = retryDelay ? Math.min(retryDelay * 2, RETRY_MAX) : RETRY_FIRST;
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      flush();
    }, retryDelay);
  }

  function requeue(batch) {
    // Anything changed meanwhile is newer than what failed and wins.
    batch.forEach(function (answer) {
      if (!queue.has(answer.indicator)) {
        queue.set(answer.indicator, answer);
      }
    });
  }

  function flush() {
    if (retryTimer !== null) {
      showStatus("offline"); // the queue goes out with the next retry
      return;
    }
    if (inflight) {
      return; // sent when the request under way is answered
    }
    if (queue.size === 0) {
      if (!busy()) {
        showStatus("saved");
      }
      return;
    }
    var batch = Array.from(queue.values());
    queue.clear();
    inflight = true;
    showStatus("saving");
    fetch(apiUrl, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ answers: batch }),
      credentials: "same-origin",
      keepalive: true, // finishes even when the respondent leaves the page
    })
      .then(
        function (response) {
          inflight = false;
          if (response.ok) {
            retryDelay = 0;
            showStatus(busy() ? "saving" : "saved");
            flush();
          } else if (response.status === 409) {
            submitting = true;
            window.location.reload();
          } else if (response.status >= 500 || response.status === 429 || response.status === 408) {
            requeue(batch);
            showStatus("offline");
            retryLater();
          } else {
            // 400/404: the server refuses these answers; sending them again would not help.
            refused = true;
            showStatus("error");
            if (queue.size > 0) {
              flush();
            }
          }
        },
        function () {
          inflight = false;
          requeue(batch);
          showStatus("offline");
          retryLater();
        }
      )
      .finally(settle);
  }

  function commentSchedule(code) {
    window.clearTimeout(commentTimers.get(code));
    commentTimers.delete(code);
    showStatus(retryTimer !== null ? "offline" : "saving");
    commentTimers.set(
      code,
      window.setTimeout(function () {
        commentTimers.delete(code);
        enqueue(code);
        settle();
      }, COMMENT_DELAY)
    );
  }

  function commentsFlushNow() {
    commentTimers.forEach(function (timer, code) {
      window.clearTimeout(timer);
      commentTimers.delete(code);
      queue.set(code, item(code));
    });
  }

  showStatus("ready");

  // --- Events --------------------------------------------------------------------------------

  function codeOf(target, prefix) {
    var name = target.getAttribute("name") || "";
    return name.indexOf(prefix) === 0 ? name.slice(prefix.length) : null;
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('input[type="radio"]')) {
      var code = codeOf(target, "level-");
      if (code) {
        window.clearTimeout(commentTimers.get(code));
        commentTimers.delete(code);
        markAnswered(code);
        enqueue(code);
      }
    } else if (target.matches("textarea")) {
      var commentCode = codeOf(target, "comment-");
      if (commentCode && commentTimers.has(commentCode)) {
        // Leaving the field: no need to wait for the pause.
        window.clearTimeout(commentTimers.get(commentCode));
        commentTimers.delete(commentCode);
        enqueue(commentCode);
      }
    }
  });

  form.addEventListener("input", function (event) {
    if (event.target.matches("textarea")) {
      var code = codeOf(event.target, "comment-");
      if (code) {
        commentSchedule(code);
      }
    }
  });

  // The form's own buttons post every answer on the page, so nothing can be lost there;
  // only a request already under way is let finish first, so it cannot land after the post.
  form.addEventListener("submit", function (event) {
    commentTimers.forEach(function (timer) {
      window.clearTimeout(timer);
    });
    commentTimers.clear();
    queue.clear();
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (inflight && !submitting) {
      event.preventDefault();
      var submitter = event.submitter;
      submitting = true;
      whenIdle(IDLE_WAIT_MAX).then(function () {
        if (form.requestSubmit) {
          form.requestSubmit(submitter || undefined);
        } else {
          form.submit();
        }
      });
      return;
    }
    submitting = true;
  });

  // Switching language reloads the page: let pending answers arrive first.
  document.querySelectorAll("form[data-lang-switch]").forEach(function (switcher) {
    switcher.addEventListener("submit", function (event) {
      if (!busy() || switcher.hasAttribute("data-waited")) {
        return;
      }
      event.preventDefault();
      var submitter = event.submitter;
      commentsFlushNow();
      flush();
      whenIdle(IDLE_WAIT_MAX).then(function () {
        switcher.setAttribute("data-waited", "");
        if (switcher.requestSubmit) {
          switcher.requestSubmit(submitter || undefined);
        } else {
          switcher.submit();
        }
      });
    });
  });

  window.addEventListener("online", function () {
    if (queue.size > 0) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
      retryDelay = 0;
      flush();
    }
  });

  // Leaving the page other than by the form's buttons (closing the tab, the browser's
  // back button): send what is still waiting at once (keepalive lets it finish), and
  // warn when answers could not be saved yet because the connection is down.
  function sendBeforeLeaving() {
    commentsFlushNow();
    if (queue.size === 0 || retryTimer !== null) {
      return;
    }
    if (!inflight) {
      flush();
      return;
    }
    var batch = Array.from(queue.values());
    queue.clear();
    fetch(apiUrl, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ answers: batch }),
      credentials: "same-origin",
      keepalive: true,
    }).catch(function () {
      requeue(batch); // still on the page after all: the next save or the form sends them
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (submitting) {
      return;
    }
    sendBeforeLeaving();
    if (retryTimer !== null && queue.size > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  window.addEventListener("pagehide", function () {
    if (!submitting) {
      sendBeforeLeaving();
    }
  });

  // Back from the browser's page cache: the form is as the respondent left it.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      submitting = false;
      document.querySelectorAll("form[data-lang-switch]").forEach(function (switcher) {
        switcher.removeAttribute("data-waited");
      });
    }
  });
})();
