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

  // Forms with data-submit-once send one request however often they are clicked: a second
  // submit is dropped and the button shows it is on its way (the server also refuses twice).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !("submitOnce" in form.dataset) || event.defaultPrevented) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-busy");
    });
  });

  // Disclosure menus (workspace switcher, mobile menu) close on Escape or a click elsewhere.
  function openMenus() {
    return document.querySelectorAll("details.switcher[open], details.menu-toggle[open]");
  }
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      var panel = menu.classList.contains("menu-toggle") ? document.getElementById("sidebar-panel") : null;
      if (!menu.contains(event.target) && !(panel && panel.contains(event.target))) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menus = Array.prototype.slice.call(openMenus());
    var inner = menus.filter(function (m) { return m.contains(document.activeElement); })[0] || menus[menus.length - 1];
    if (!inner) return;
    inner.removeAttribute("open");
    inner.querySelector("summary").focus();
  });

  // On phones the sections scroll sideways: bring the current one into view.
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.querySelector(".nav");
    var current = nav && nav.querySelector('[aria-current="page"]');
    if (!current || nav.scrollWidth <= nav.clientWidth) return;
    var offset = current.getBoundingClientRect().left - nav.getBoundingClientRect().left;
    nav.scrollLeft += offset - (nav.clientWidth - current.offsetWidth) / 2;
  });

  // A new workspace defaults to the browser's time zone rather than UTC.
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-detect-timezone]");
    if (!select || select.value !== "UTC") return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
  });
})();
