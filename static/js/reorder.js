// Drag a row to reorder a ranked list: the triggers on Automations, the rules on Inbox
// settings → Routing rules. A table opts in with data-reorder-url and rows carrying
// data-row-id; the arrows beside each row do the same without JavaScript. The whole order is
// posted; a refusal (someone changed the list meanwhile) reloads the page to show the real
// order.
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function reorderable(table) {
    var body = table.tBodies[0];
    var dragged = null;

    function order() {
      return Array.prototype.map.call(body.rows, function (row) {
        return row.dataset.rowId;
      });
    }

    function renumber() {
      Array.prototype.forEach.call(body.rows, function (row, n) {
        var rank = row.querySelector("[data-rank]");
        if (rank) rank.textContent = String(n + 1);
        row.querySelectorAll(".move-form button").forEach(function (button) {
          button.disabled = button.value === "up" ? n === 0 : n === body.rows.length - 1;
        });
      });
    }

    function save() {
      var ids = order();
      var form = new FormData();
      form.append("order", ids.join(","));
      fetch(table.dataset.reorderUrl, {
        method: "POST",
        body: form,
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      }).then(function (response) {
        if (response.ok) {
          table.dataset.saved = ids.join(",");
          return;
        }
        window.location.reload();
      });
    }

    body.addEventListener("dragstart", function (event) {
      var handle = event.target.closest(".drag-handle");
      if (!handle) return;
      dragged = handle.closest("tr");
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.rowId);
      event.dataTransfer.setDragImage(dragged, 10, 10);
    });

    body.addEventListener("dragover", function (event) {
      if (!dragged) return;
      var over = event.target.closest("tr");
      if (!over || over === dragged) return;
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      body.insertBefore(dragged, after ? over.nextSibling : over);
    });

    body.addEventListener("drop", function (event) {
      if (dragged) event.preventDefault();
    });

    body.addEventListener("dragend", function () {
      if (!dragged) return;
      var moved = order().join(",") !== (table.dataset.saved || "");
      dragged.classList.remove("dragging");
      dragged = null;
      renumber();
      if (moved) save();
    });

    table.dataset.saved = order().join(",");
  }

  document.querySelectorAll("table[data-reorder-url]").forEach(reorderable);
})();
