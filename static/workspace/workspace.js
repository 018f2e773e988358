/* Workspace behaviour shared by all pages: confirmations and a JSON client for the API
   with the page's CSRF token. Pages work without it; scripts only make them quicker. */
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* fetch() a JSON API with the session's credentials; resolves to {ok, status, data}. */
  function api(url, options) {
    options = options || {};
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    var body = options.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    return fetch(url, {
      method: options.method || "GET",
      headers: headers,
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return null;
        })
        .then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
    });
  }

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Each data cell of a stacking table names its column, for the phone layout (workspace.css);
  // a row's heading needs no name.
  document.querySelectorAll("table.table--stack").forEach(function (table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (names[index] && cell.tagName === "TD" && cell.colSpan === 1) cell.dataset.label = names[index];
      });
    });
  });

  // A table or chart wider than the screen scrolls inside its frame; a keyboard user can only
  // scroll a frame that takes focus, so a frame that scrolls and holds nothing focusable takes
  // it, named after its table's caption or its section's heading (WCAG 2.1.1).
  var SCROLLING = ".table-wrap, figure.chart, .new-links__all";
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function frameName(frame) {
    var named = frame.querySelector("caption, [aria-label]");
    if (named) return named.getAttribute("aria-label") || named.textContent.trim();
    var section = frame.closest("section, .card");
    var heading = section && section.querySelector("h2, h3");
    return heading ? heading.textContent.trim() : "";
  }

  function makeScrollingFramesFocusable() {
    document.querySelectorAll(SCROLLING).forEach(function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth + 1;
      var adopted = Boolean(frame.dataset.scrollFocus);
      if (scrolls && !adopted && !frame.hasAttribute("tabindex") && !frame.querySelector(FOCUSABLE)) {
        frame.tabIndex = 0;
        frame.dataset.scrollFocus = "1";
        var name = frame.hasAttribute("role") ? "" : frameName(frame);
        if (name) {
          frame.setAttribute("role", "region");
          frame.setAttribute("aria-label", name);
          frame.dataset.scrollFocus = "named";
        }
      } else if (!scrolls && adopted) {
        frame.removeAttribute("tabindex");
        if (frame.dataset.scrollFocus === "named") {
          frame.removeAttribute("role");
          frame.removeAttribute("aria-label");
        }
        delete frame.dataset.scrollFocus;
      }
    });
  }

  /* On a phone the steps scroll sideways: bring the current one into the middle of the row
     (only the row scrolls, not the page, which may have opened at an anchor). */
  var currentTab = document.querySelector('.tabs__link[aria-current="page"]');
  if (currentTab) {
    var row = currentTab.closest(".tabs");
    var offset = currentTab.getBoundingClientRect().left - row.getBoundingClientRect().left;
    row.scrollLeft += offset - (row.clientWidth - currentTab.offsetWidth) / 2;
  }

  makeScrollingFramesFocusable();
  var resizing;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(makeScrollingFramesFocusable, 150);
  });

  window.cx = { api: api, csrfToken: csrfToken, makeScrollingFramesFocusable: makeScrollingFramesFocusable };
})();
