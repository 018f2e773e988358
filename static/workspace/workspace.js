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

  window.cx = { api: api, csrfToken: csrfToken };
})();
