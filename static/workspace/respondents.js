/* Respondents tab: a "Copy" button for the personal links just created. Without JS the
   button stays hidden and the links can be selected and copied by hand. */
(function () {
  "use strict";

  var copyStatus = document.querySelector("[data-copy-status]");

  function announce(text) {
    if (copyStatus) copyStatus.textContent = text;
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.value || source.textContent;
      var done = function () {
        announce(button.dataset.copiedText || "✓");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {
          source.select();
        });
      } else {
        source.focus();
        source.select();
        try {
          if (document.execCommand("copy")) done();
        } catch (error) {
          /* the text stays selected for Ctrl+C */
        }
      }
    });
  });
})();
