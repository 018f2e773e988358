/* The reports tab: reports still queued or rendering poll their status every 1.5 s, show
   their progress, and turn into a download link (and, for the consultant, a release button)
   when ready, or show the error. Without this script, reloading the page shows the same. */
(function () {
  "use strict";

  var INTERVAL = 1500;
  var texts = document.getElementById("report-texts");
  if (!texts || !window.cx) return;
  var language = document.documentElement.lang || undefined;

  function size(bytes) {
    try {
      return new Intl.NumberFormat(language, {
        style: "unit",
        unit: bytes >= 1048576 ? "megabyte" : "kilobyte",
        maximumFractionDigits: 1,
      }).format(bytes >= 1048576 ? bytes / 1048576 : bytes / 1024);
    } catch (error) {
      return Math.round(bytes / 1024) + " KB";
    }
  }

  function part(row, role) {
    return row.querySelector("[data-role=" + role + "]");
  }

  function showStatus(row, status) {
    var badge = part(row, "status");
    badge.className = "badge report-status report-status--" + status;
    badge.textContent = texts.dataset[status] || status;
    row.dataset.status = status;
  }

  function finish(row, report) {
    var progress = part(row, "progress");
    if (progress) progress.remove();
    if (report.status === "ready" && report.download_url) {
      var link = document.createElement("a");
      link.className = "button button--small button--secondary";
      link.href = report.download_url;
      link.setAttribute("download", "");
      link.textContent = texts.dataset.download;
      var cell = part(row, "download");
      cell.textContent = "";
      cell.appendChild(link);
      if (report.size) part(row, "size").textContent = size(report.size);
      // Rendered after publishing: the consultant may release it without reloading.
      var release = part(row, "release-form");
      if (release && !report.draft) {
        release.hidden = false;
        var waiting = part(row, "release-waiting");
        if (waiting) waiting.remove();
      }
    } else if (report.error) {
      var error = document.createElement("p");
      error.className = "report-row__error";
      error.textContent = report.error;
      row.querySelector(".report-row__status").appendChild(error);
    }
  }

  function update(row, report) {
    showStatus(row, report.status);
    var progress = part(row, "progress");
    if (progress) {
      progress.value = report.progress;
      progress.textContent = report.progress + " %";
    }
    if (report.status === "ready" || report.status === "failed") {
      finish(row, report);
      return true;
    }
    return false;
  }

  function watch(row) {
    var url = row.dataset.statusUrl;
    var misses = 0;
    function tick() {
      window.cx
        .api(url)
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          misses = 0;
          if (!update(row, response.data)) window.setTimeout(tick, INTERVAL);
        })
        .catch(function () {
          misses += 1;
          if (misses < 4) {
            window.setTimeout(tick, INTERVAL * 2);
            return;
          }
          var note = document.createElement("p");
          note.className = "report-row__error";
          note.textContent = texts.dataset.unreachable;
          row.querySelector(".report-row__status").appendChild(note);
        });
    }
    window.setTimeout(tick, INTERVAL);
  }

  Array.prototype.forEach.call(document.querySelectorAll("tr[data-status-url]"), watch);
})();
