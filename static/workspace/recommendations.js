/* The recommendations tab: after a refused edit, open and show the form with its errors.
   The page works without this script. */
(function () {
  "use strict";

  function showErrors() {
    var field = document.querySelector(".rec__form .field--error, .rec-add .field--error");
    if (!field) return;
    var disclosure = field.closest("details");
    if (disclosure) disclosure.open = true;
    var control = field.querySelector("input, select, textarea");
    field.scrollIntoView({ block: "center" });
    if (control) control.focus({ preventScroll: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showErrors);
  } else {
    showErrors();
  }
})();
