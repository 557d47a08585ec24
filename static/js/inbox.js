// The inbox: live lists, and the composer's modes and suggestions. Every page works without
// this file (both composer buttons show, the lists refresh on reload).
(function () {
  "use strict";

  // --- Polling ------------------------------------------------------------------------------

  // A poll that lands on the sign-in page (the session ended) reloads the page instead of
  // showing the sign-in form inside the list.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login") !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  // The thread scrolls inside its box: start at the newest message, and follow new ones only
  // while the reader is at the bottom (never yank them away from what they are reading).
  var threadBox = null;
  var followThread = false;
  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (threadBox && event.detail.target && event.detail.target.id === "thread") {
      followThread = atBottom(threadBox);
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (threadBox && followThread) threadBox.scrollTop = threadBox.scrollHeight;
    followThread = false;
    syncSendButton(); // the window may have opened or closed (the status came out of band)
  });

  // --- Filters ------------------------------------------------------------------------------

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") form.requestSubmit();
  });

  // --- Composer -----------------------------------------------------------------------------

  var composer, textarea, popup, sendButton, noteButton;
  var mode = "reply";

  function syncSendButton() {
    if (!composer) return;
    var status = document.getElementById("composer-status");
    var blocked = status && status.dataset.blocked === "1";
    sendButton.disabled = mode === "reply" && blocked;
  }

  function setMode(next) {
    mode = next === "note" ? "note" : "reply";
    composer.dataset.mode = mode;
    composer.querySelectorAll("[data-mode]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.mode === mode ? "true" : "false");
    });
    textarea.placeholder = textarea.dataset[mode + "Placeholder"] || textarea.placeholder;
    sendButton.hidden = mode !== "reply";
    noteButton.hidden = mode !== "note";
    noteButton.classList.toggle("button-primary", mode === "note");
    closePopup();
    syncSendButton();
  }

  // Suggestions: "/shortcut" at the very start (saved replies) and "@name" in a note.
  var suggestion = null; // {start, end, items, active}

  function options(listId) {
    var list = document.getElementById(listId);
    return list ? Array.prototype.slice.call(list.children) : [];
  }

  function currentToken() {
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret);
    var slash = /^\/([\w-]*)$/.exec(before);
    if (slash) return { start: 0, end: caret, query: slash[1], list: "saved-reply-options" };
    if (mode === "note") {
      var at = /(^|\s)@([^@\n]{0,40})$/.exec(before);
      if (at && at[2].indexOf("  ") === -1) {
        return { start: caret - at[2].length - 1, end: caret, query: at[2], list: "mention-options" };
      }
    }
    return null;
  }

  function closePopup() {
    suggestion = null;
    if (!popup) return;
    popup.hidden = true;
    popup.innerHTML = "";
    textarea.removeAttribute("aria-activedescendant");
  }

  function renderPopup() {
    popup.innerHTML = "";
    suggestion.items.forEach(function (item, index) {
      var li = document.createElement("li");
      li.id = "composer-option-" + index;
      li.setAttribute("role", "option");
      li.className = "composer-option";
      li.textContent = item.textContent;
      li.setAttribute("aria-selected", index === suggestion.active ? "true" : "false");
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus (and caret) in the textarea
        choose(index);
      });
      popup.appendChild(li);
    });
    popup.hidden = false;
    textarea.setAttribute("aria-activedescendant", "composer-option-" + suggestion.active);
  }

  function suggest() {
    var token = currentToken();
    if (!token) return closePopup();
    var query = token.query.toLowerCase();
    var items = options(token.list).filter(function (item) {
      return item.dataset.search.toLowerCase().indexOf(query) !== -1;
    });
    // The best matches first: those whose shortcut or name starts with what was typed.
    items.sort(function (a, b) {
      var aStarts = a.dataset.key.toLowerCase().indexOf(query) === 0 ? 0 : 1;
      var bStarts = b.dataset.key.toLowerCase().indexOf(query) === 0 ? 0 : 1;
      return aStarts - bStarts;
    });
    if (!items.length) return closePopup();
    suggestion = { start: token.start, end: token.end, items: items.slice(0, 8), active: 0 };
    renderPopup();
  }

  function choose(index) {
    if (!suggestion) return;
    var item = suggestion.items[index];
    var text = item.dataset.insert;
    var value = textarea.value;
    textarea.value = value.slice(0, suggestion.start) + text + value.slice(suggestion.end);
    var caret = suggestion.start + text.length;
    textarea.setSelectionRange(caret, caret);
    closePopup();
    textarea.focus();
    // Let htmx look at the new text (a saved reply may carry a product link).
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function onKeydown(event) {
    if (!suggestion) return;
    var count = suggestion.items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      suggestion.active = (suggestion.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      renderPopup();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(suggestion.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closePopup();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    threadBox = document.getElementById("thread-scroll");
    if (threadBox) threadBox.scrollTop = threadBox.scrollHeight;

    composer = document.querySelector("[data-composer]");
    if (!composer) return;
    textarea = composer.querySelector("textarea");
    popup = document.getElementById("composer-popup");
    sendButton = composer.querySelector("[data-send]");
    noteButton = composer.querySelector("[data-add-note]");

    var modes = composer.querySelector("[data-modes]");
    modes.hidden = false;
    modes.addEventListener("click", function (event) {
      var button = event.target.closest("[data-mode]");
      if (button) {
        setMode(button.dataset.mode);
        textarea.focus();
      }
    });
    setMode(composer.dataset.initialMode);

    textarea.addEventListener("input", suggest);
    textarea.addEventListener("click", suggest);
    textarea.addEventListener("keydown", onKeydown);
    // Leaving the composer closes the suggestions, unless the focus came straight back (a
    // mode button hands it back to the textarea).
    textarea.addEventListener("blur", function () {
      setTimeout(function () {
        if (document.activeElement !== textarea) closePopup();
      }, 150);
    });
    // Cmd/Ctrl+Enter sends (or adds the note) from the keyboard.
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.metaKey || event.ctrlKey) && !event.defaultPrevented) {
        event.preventDefault();
        var button = mode === "note" ? noteButton : sendButton;
        if (!button.disabled) button.click();
      }
    });
  });
})();
