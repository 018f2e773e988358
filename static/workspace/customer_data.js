/* The customer-data tab. Small uploads post the form as usual (the page validates and
   stores them inline). Uploads of the inline limit or more go to the API as a background
   import: the page shows the upload's and then the import's progress, polls the import
   until it is ready (then reloads to show the metrics) or failed (then lists every problem).
   An import already under way when the page opens is followed the same way. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  // States after which a job (an import, the churn-risk model) changes no more.
  var FINISHED = ["ready", "failed", "insufficient_data"];

  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function problemsTable(box, problems) {
    var texts = box.dataset;
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var table = document.createElement("table");
    table.className = "table table--compact";
    var head = table.createTHead().insertRow();
    [texts.headFile, texts.headRow, texts.headColumn, texts.headProblem].forEach(function (label) {
      var cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = label;
      head.appendChild(cell);
    });
    var body = table.createTBody();
    problems.errors.slice(0, 200).forEach(function (problem) {
      var row = body.insertRow();
      // data-kind-mystery_shopping is dataset.kindMystery_shopping.
      var kind = texts["kind" + problem.file.charAt(0).toUpperCase() + problem.file.slice(1)];
      [kind || problem.file, problem.row == null ? "–" : problem.row, problem.column || "–", problem.message].forEach(
        function (value) {
          row.insertCell().textContent = value;
        }
      );
    });
    wrap.appendChild(table);
    return wrap;
  }

  function showError(target, messages) {
    var alert = document.createElement("div");
    alert.className = "alert alert--error";
    alert.setAttribute("role", "alert");
    messages.forEach(function (message) {
      var paragraph = document.createElement("p");
      paragraph.textContent = message;
      alert.appendChild(paragraph);
    });
    target.appendChild(alert);
  }

  function errorMessages(data, fallback) {
    if (!data) return [fallback];
    if (typeof data.detail === "string") return [data.detail];
    var messages = [];
    Object.keys(data).forEach(function (key) {
      var value = data[key];
      (Array.isArray(value) ? value : [value]).forEach(function (item) {
        if (typeof item === "string") messages.push(item);
      });
    });
    return messages.length ? messages : [fallback];
  }

  /* Poll an import until it finishes; `onUpdate(job)` on every answer. */
  function follow(url, onUpdate, onGone) {
    function poll() {
      window.cx.api(url).then(function (answer) {
        if (!answer.ok || !answer.data) {
          onGone();
          return;
        }
        onUpdate(answer.data);
        if (FINISHED.indexOf(answer.data.status) < 0) {
          window.setTimeout(poll, POLL_MS);
        }
      }, onGone);
    }
    poll();
  }

  function pageWithImport(id) {
    var url = new URL(window.location.href);
    url.searchParams.set("import", id);
    url.hash = "";
    return url.toString();
  }

  function setupUpload(form) {
    var box = form.querySelector(".upload-progress");
    var bar = box.querySelector("progress");
    var text = box.querySelector(".upload-progress__text");
    var problemsBox = form.querySelector(".upload-problems");
    var button = form.querySelector("button[type=submit]");
    var limit = parseInt(form.dataset.inlineMax, 10);
    var texts = box.dataset;

    function statusLabel(status) {
      return texts["status" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
    }

    function finish(job) {
      bar.value = job.progress;
      if (job.status === "ready") {
        text.textContent = texts.textReady;
        window.location.assign(pageWithImport(job.id));
      } else if (job.status === "failed") {
        button.disabled = false;
        text.textContent = texts.textFailed;
        showError(problemsBox, [job.error || texts.textFailed]);
        if (job.problems && job.problems.errors.length) {
          problemsBox.appendChild(problemsTable(box, job.problems));
          window.cx.makeScrollingFramesFocusable();
        }
      } else {
        text.textContent = format(texts.textImporting, { status: statusLabel(job.status), percent: job.progress + " %" });
      }
    }

    function failed(messages) {
      button.disabled = false;
      box.hidden = true;
      showError(problemsBox, messages);
    }

    form.addEventListener("submit", function (event) {
      var files = form.querySelectorAll("input[type=file]");
      var total = 0;
      var data = new FormData();
      files.forEach(function (input) {
        if (input.files.length) {
          total += input.files[0].size;
          data.append(input.name, input.files[0]);
        }
      });
      // Small uploads (and a form without files) go through the page as usual.
      if (!total || isNaN(limit) || total < limit) return;
      event.preventDefault();
      ["period_start", "period_end", "churn_basis"].forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value) data.append(name, field.value);
      });
      var percent = form.elements.discount_percent;
      if (percent && percent.value !== "") {
        data.append("discount_rate", (parseFloat(percent.value) / 100).toFixed(4));
      }
      problemsBox.textContent = "";
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      text.textContent = format(texts.textUploading, { percent: "0 %" });

      var request = new XMLHttpRequest();
      request.open("POST", form.dataset.apiUrl + "?background=1");
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", window.cx.csrfToken());
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) return;
        var done = Math.round((100 * progress.loaded) / progress.total);
        bar.value = done;
        text.textContent = format(texts.textUploading, { percent: done + " %" });
      });
      request.addEventListener("load", function () {
        var answer = null;
        try {
          answer = JSON.parse(request.responseText);
        } catch (error) {
          answer = null;
        }
        if (request.status === 202 && answer && answer.url) {
          bar.value = 0;
          text.textContent = format(texts.textImporting, { status: statusLabel(answer.status), percent: "0 %" });
          follow(answer.url, finish, function () {
            failed([texts.textError]);
          });
        } else {
          failed(errorMessages(answer, texts.textError));
        }
      });
      request.addEventListener("error", function () {
        failed([texts.textError]);
      });
      request.send(data);
    });
  }

  /* An import under way when the page opened: follow it, reload once it is finished. */
  function setupStatus(section) {
    if (section.dataset.finished === "true") return;
    var bar = section.querySelector("progress");
    var text = section.querySelector(".import-status__text");
    follow(
      section.dataset.importUrl,
      function (job) {
        bar.value = job.progress;
        if (job.status === "ready" || job.status === "failed") {
          window.location.reload();
        } else {
          var badge = text.querySelector(".badge");
          text.textContent = "";
          if (badge) {
            text.appendChild(badge);
            text.appendChild(document.createTextNode(" " + job.progress + " %"));
          }
        }
      },
      function () {}
    );
  }

  /* The churn-risk model fitted after an import: its progress, until it is ready. */
  function setupModel(fact) {
    if (fact.dataset.churnModel !== "running") return;
    var bar = fact.querySelector("progress");
    var text = fact.querySelector(".churn-model__state");
    follow(
      fact.dataset.url,
      function (model) {
        fact.dataset.churnModel = model.status;
        if (model.status === "running") {
          bar.value = model.progress;
          text.textContent = format(fact.dataset.textRunning, { percent: model.progress + " %" });
        } else {
          bar.hidden = true;
          text.textContent = model.status === "ready" ? fact.dataset.textReady : fact.dataset.textOther;
        }
      },
      function () {}
    );
  }

  var form = document.querySelector(".upload-form");
  if (form && window.cx) setupUpload(form);
  var status = document.querySelector(".import-status");
  if (status && window.cx) setupStatus(status);
  var model = document.querySelector("[data-churn-model]");
  if (model && window.cx) setupModel(model);
})();
