// Automations: drag a trigger's row to change which trigger runs first. The arrows beside
// each trigger do the same without JavaScript.
(function () {
  "use strict";

  var table = document.getElementById("triggers-table");
  if (!table || !table.dataset.reorderUrl) return;
  var body = table.tBodies[0];
  var dragged = null;

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function renumber() {
    Array.prototype.forEach.call(body.rows, function (row, n) {
      var rank = row.querySelector("[data-rank]");
      if (rank) rank.textContent = String(n + 1);
    });
  }

  function save() {
    var order = Array.prototype.map.call(body.rows, function (row) {
      return row.dataset.triggerId;
    });
    var form = new FormData();
    form.append("order", order.join(","));
    fetch(table.dataset.reorderUrl, {
      method: "POST",
      body: form,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    }).then(function (response) {
      if (response.ok) {
        table.dataset.saved = order.join(",");
        return;
      }
      // Someone changed the triggers meanwhile: show the order as it really is.
      window.location.reload();
    });
  }

  body.addEventListener("dragstart", function (event) {
    var handle = event.target.closest(".drag-handle");
    if (!handle) return;
    dragged = handle.closest("tr");
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.triggerId);
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
    dragged.classList.remove("dragging");
    dragged = null;
    renumber();
    save();
  });
})();
