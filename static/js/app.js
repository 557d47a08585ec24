// Progressive enhancements for server-rendered pages. Every page works without this file.
(function () {
  "use strict";

  // Buttons with data-copy-target copy the text of the element with that id.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copyTarget);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Forms with data-confirm ask before submitting a destructive action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A new workspace defaults to the browser's time zone rather than UTC.
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-detect-timezone]");
    if (!select || select.value !== "UTC") return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
  });
})();
