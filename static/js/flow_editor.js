// The DM flow editor (templates/flows/flow_editor.html). The draft is a list of blocks (see
// flows/blocks.py for their shape); this file edits it in place, saves it as JSON, and asks the
// server for a live preview. Every text the user typed goes into the page as text, never HTML;
// the preview is HTML the server rendered and escaped.
(function () {
  "use strict";

  var root = document.getElementById("flow-editor");
  if (!root) return;

  var TYPES = {
    message: "Message", question: "Question", quick_replies: "Quick replies", branch: "Branch",
    shop_link: "Shop link", handoff: "Handoff", wait: "Wait", tag: "Tag"
  };
  var MAX_OPTIONS = 4;
  var MAX_LABEL = 20;
  var MAX_TEXT = 1000;
  var PLACEHOLDERS = ["{name}", "{price}", "{stock}", "{handle}", "{field:}"];

  var blocks = JSON.parse(document.getElementById("flow-draft").textContent) || [];
  var skus = JSON.parse(document.getElementById("flow-skus").textContent) || {};
  var list = document.getElementById("flow-blocks");
  var empty = document.getElementById("flow-empty");
  var saveState = document.getElementById("save-state");
  var saveButton = document.getElementById("save-draft");
  var errorsBox = document.getElementById("draft-errors");
  var preview = document.getElementById("flow-preview");
  var doorSelect = document.getElementById("preview-door");
  var publishForm = document.getElementById("publish-form");
  var unpublishedChip = document.getElementById("unpublished-chip");
  var csrfToken = publishForm.querySelector("[name=csrfmiddlewaretoken]").value;

  var dirty = false;
  var leaving = false;
  var blockErrors = {};   // block number -> messages from the last refused save
  var units = {};         // block id -> "seconds" | "minutes" (how a Wait is shown, not saved)
  var dragFrom = null;
  var previewTimer = null;
  var previewSeq = 0;

  // -- small helpers -------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    [].concat(children === undefined ? [] : children).forEach(function (child) {
      if (child === null || child === undefined || child === "") return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function button(label, attrs, onClick) {
    var node = el("button", Object.assign({ type: "button", "class": "button button-small" }, attrs || {}), label);
    node.addEventListener("click", onClick);
    return node;
  }

  function fieldId(block, name) {
    return "block-" + block.id + "-" + name;
  }

  function newId() {
    var id;
    do {
      id = "b" + Math.random().toString(36).slice(2, 10);
    } while (blocks.some(function (b) { return b.id === id; }));
    return id;
  }

  function stockText(stock) {
    return stock > 0 ? stock + " in stock" : "sold out";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body)
    });
  }

  // -- state changes ---------------------------------------------------------------------------

  function changed() {
    dirty = true;
    saveState.textContent = "Unsaved changes";
    saveState.className = "flow-save-state is-dirty";
    schedulePreview();
  }

  function render(focusId) {
    list.textContent = "";
    blocks.forEach(function (block, index) { list.appendChild(renderBlock(block, index)); });
    empty.hidden = blocks.length > 0;
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) target.focus();
    }
  }

  function move(from, to) {
    if (to < 0 || to >= blocks.length || from === to) return;
    var moved = blocks.splice(from, 1)[0];
    blocks.splice(to, 0, moved);
    blockErrors = {};
    changed();
    return moved;
  }

  function removeBlock(index) {
    var gone = blocks.splice(index, 1)[0];
    // Jumps to the deleted block now go to the next one instead of nowhere.
    blocks.forEach(function (b) {
      if (b.goto === gone.id) b.goto = "";
      if (b.else_goto === gone.id) b.else_goto = "";
      (b.cases || []).forEach(function (c) { if (c.goto === gone.id) c.goto = ""; });
    });
    blockErrors = {};
    changed();
    render();
    var next = list.children[Math.min(index, blocks.length - 1)];
    (next ? next.querySelector("h3") : document.querySelector("[data-add-block]")).focus();
  }

  function addBlock(type) {
    var block = { id: newId(), type: type };
    if (type === "message") { block.text = ""; }
    if (type === "question") { block.text = ""; block.field = ""; }
    if (type === "quick_replies") { block.text = ""; block.options = [{ label: "" }, { label: "" }]; }
    if (type === "branch") { block.field = ""; block.cases = [{ equals: "", goto: "" }]; block.else_goto = ""; }
    if (type === "shop_link") { block.sku_id = ""; block.text = ""; }
    if (type === "handoff") { block.reason = ""; }
    if (type === "wait") { block.seconds = 60; units[block.id] = "minutes"; }
    if (type === "tag") { block.tag = ""; }
    blocks.push(block);
    changed();
    render();
    var added = list.lastElementChild;
    var first = added.querySelector("textarea, input, select");
    added.scrollIntoView({ block: "nearest" });
    (first || added.querySelector("h3")).focus();
  }

  // -- fields ----------------------------------------------------------------------------------

  function field(id, label, control, hint) {
    var wrap = el("div", { "class": "field" }, [el("label", { "for": id, text: label }), control]);
    if (hint) {
      var help = el("div", { "class": "help", id: id + "-help" }, hint);
      control.setAttribute("aria-describedby", help.id);
      wrap.appendChild(help);
    }
    return wrap;
  }

  function textInput(block, key, label, options) {
    options = options || {};
    var id = fieldId(block, key);
    var control = el(options.multiline ? "textarea" : "input", {
      id: id,
      type: options.multiline ? null : "text",
      rows: options.multiline ? 3 : null,
      maxlength: options.maxlength || (options.multiline ? MAX_TEXT : 100),
      placeholder: options.placeholder || null
    });
    control.value = block[key] === undefined || block[key] === null ? "" : String(block[key]);
    control.addEventListener("input", function () {
      block[key] = control.value;
      changed();
    });
    var wrap = field(id, label, control, options.hint);
    if (options.placeholders) wrap.appendChild(placeholderButtons(control, block, key));
    return wrap;
  }

  // Buttons that type a placeholder where the cursor is.
  function placeholderButtons(control, block, key) {
    var group = el("div", { "class": "flow-placeholders", role: "group", "aria-label": "Insert a placeholder" }, "Insert:");
    PLACEHOLDERS.forEach(function (token) {
      group.appendChild(button(token === "{field:}" ? "{field:…}" : token, {
        "class": null,
        "aria-label": token === "{field:}" ? "Insert an answer, {field:name}" : "Insert " + token
      }, function () {
        var start = control.selectionStart === null ? control.value.length : control.selectionStart;
        var end = control.selectionEnd === null ? start : control.selectionEnd;
        control.setRangeText(token, start, end, "end");
        if (token === "{field:}") control.setSelectionRange(start + 7, start + 7);
        control.focus();
        block[key] = control.value;
        changed();
      }));
    });
    return group;
  }

  function gotoSelect(block, holder, key, label, id) {
    var select = el("select", { id: id });
    select.appendChild(el("option", { value: "", text: "The next block" }));
    blocks.forEach(function (other, index) {
      if (other.id === block.id) return;
      select.appendChild(el("option", { value: other.id, text: "Block " + (index + 1) + " · " + TYPES[other.type] }));
    });
    select.appendChild(el("option", { value: "end", text: "End of the flow" }));
    select.value = holder[key] || "";
    if (select.value !== (holder[key] || "")) {
      // Say so rather than hide it: saving refuses a jump to a block that is gone.
      select.appendChild(el("option", { value: holder[key], text: "A block that no longer exists" }));
      select.value = holder[key];
    }
    select.addEventListener("change", function () {
      holder[key] = select.value;
      changed();
    });
    return field(id, label, select);
  }

  function skuPicker(block, label) {
    var id = fieldId(block, "sku");
    var wrap = el("div", { "class": "field sku-picker" });
    var picked = el("div", { "class": "sku-picked", "data-sku-picked": true });
    var row = block.sku_id ? skus[block.sku_id] : null;
    if (block.sku_id) {
      picked.appendChild(row
        ? el("span", {}, [el("strong", { text: row.product_title }), (row.sku_name ? " · " + row.sku_name : "") + " · " + row.price_display + " · " + stockText(row.stock)])
        : el("span", { "class": "error", text: "SKU " + block.sku_id + " is no longer in the synced catalog: pick another product." }));
      picked.appendChild(button("Remove", { "aria-label": "Remove the product from block " + (blocks.indexOf(block) + 1) }, function () {
        block.sku_id = "";
        if (block.card) block.card = false;
        changed();
        render(id);
      }));
    }
    var input = el("input", {
      type: "search", id: id, autocomplete: "off",
      placeholder: "Search by product, SKU name or seller SKU",
      "aria-controls": id + "-results"
    });
    var results = el("ul", { "class": "sku-results", id: id + "-results", "aria-label": "Matching products", "aria-live": "polite" });
    var timer = null;
    function search() {
      var q = input.value.trim();
      if (!q) { results.textContent = ""; return; }
      fetch(root.dataset.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() !== q) return;  // a newer search is on its way
          results.textContent = "";
          if (!data.results.length) {
            results.appendChild(el("li", { "class": "muted", text: "No product matches “" + q + "”." }));
            return;
          }
          data.results.forEach(function (found) {
            var choice = el("button", { type: "button", "class": "sku-result", "data-sku": found.sku_id }, [
              el("strong", { text: found.product_title }),
              el("span", { text: (found.sku_name ? found.sku_name + " · " : "") + found.price_display + " · " + stockText(found.stock) })
            ]);
            choice.addEventListener("click", function () {
              skus[found.sku_id] = found;
              block.sku_id = found.sku_id;
              changed();
              render(id);
            });
            results.appendChild(el("li", {}, choice));
          });
        })
        .catch(function () { results.textContent = ""; });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); search(); }
      if (event.key === "ArrowDown" && results.querySelector("button")) { event.preventDefault(); results.querySelector("button").focus(); }
      if (event.key === "Escape") { results.textContent = ""; }
    });
    results.addEventListener("keydown", function (event) {
      var current = event.target.closest("li");
      if (!current) return;
      var to = event.key === "ArrowDown" ? current.nextElementSibling : event.key === "ArrowUp" ? current.previousElementSibling : null;
      if (to && to.querySelector("button")) { event.preventDefault(); to.querySelector("button").focus(); }
      if (event.key === "ArrowUp" && !current.previousElementSibling) { event.preventDefault(); input.focus(); }
    });
    wrap.appendChild(el("label", { "for": id, text: label }));
    if (block.sku_id) wrap.appendChild(picked);
    wrap.appendChild(input);
    wrap.appendChild(results);
    var hint = el("div", { "class": "help", id: id + "-help", text: block.sku_id ? "Search to pick a different product." : "Type to search your synced TikTok Shop catalog." });
    input.setAttribute("aria-describedby", hint.id);
    wrap.appendChild(hint);
    return wrap;
  }

  function optionsEditor(block) {
    var group = el("fieldset", { "class": "flow-group" }, [el("legend", { text: "Quick replies (up to " + MAX_OPTIONS + ", " + MAX_LABEL + " characters each)" })]);
    block.options = Array.isArray(block.options) ? block.options : [];
    block.options.forEach(function (option, k) {
      var id = fieldId(block, "option-" + k);
      var input = el("input", { type: "text", id: id, maxlength: MAX_LABEL, placeholder: "Reply " + (k + 1) });
      input.value = option.label || "";
      input.addEventListener("input", function () { option.label = input.value; changed(); });
      group.appendChild(el("div", { "class": "flow-row" }, [
        el("label", { "for": id, "class": "visually-hidden", text: "Quick reply " + (k + 1) }),
        input,
        button("Remove", { "class": "button button-small button-quiet", "aria-label": "Remove quick reply " + (k + 1) }, function () {
          block.options.splice(k, 1);
          changed();
          render(fieldId(block, "add-option"));
        })
      ]));
    });
    group.appendChild(button("Add quick reply", { id: fieldId(block, "add-option"), disabled: block.options.length >= MAX_OPTIONS }, function () {
      block.options.push({ label: "" });
      changed();
      render(fieldId(block, "option-" + (block.options.length - 1)));
    }));
    group.appendChild(el("p", { "class": "help", text: "Through an open messaging window up to 3 become buttons; otherwise, and with 4, the buyer gets a numbered list to answer with a number." }));
    return group;
  }

  function casesEditor(block) {
    var group = el("fieldset", { "class": "flow-group" }, [el("legend", { text: "Cases" })]);
    block.cases = Array.isArray(block.cases) ? block.cases : [];
    block.cases.forEach(function (one, k) {
      var id = fieldId(block, "case-" + k);
      var input = el("input", { type: "text", id: id, maxlength: 100 });
      input.value = one.equals || "";
      input.addEventListener("input", function () { one.equals = input.value; changed(); });
      group.appendChild(el("div", { "class": "flow-row" }, [
        field(id, "If the answer is", input),
        gotoSelect(block, one, "goto", "go to", id + "-goto"),
        button("Remove", { "class": "button button-small button-quiet", "aria-label": "Remove case " + (k + 1) }, function () {
          block.cases.splice(k, 1);
          changed();
          render(fieldId(block, "add-case"));
        })
      ]));
    });
    group.appendChild(button("Add case", { id: fieldId(block, "add-case") }, function () {
      block.cases.push({ equals: "", goto: "" });
      changed();
      render(fieldId(block, "case-" + (block.cases.length - 1)));
    }));
    return group;
  }

  function waitEditor(block) {
    var unit = units[block.id] || (block.seconds && block.seconds % 60 === 0 ? "minutes" : "seconds");
    var id = fieldId(block, "wait");
    var amount = el("input", { type: "number", id: id, min: 1, step: 1, inputmode: "numeric" });
    amount.value = block.seconds ? (unit === "minutes" ? block.seconds / 60 : block.seconds) : "";
    var select = el("select", { id: id + "-unit" }, [
      el("option", { value: "seconds", text: "seconds" }),
      el("option", { value: "minutes", text: "minutes" })
    ]);
    select.value = unit;
    function update() {
      var value = parseInt(amount.value, 10);
      units[block.id] = select.value;
      block.seconds = isNaN(value) ? 0 : value * (select.value === "minutes" ? 60 : 1);
      changed();
    }
    amount.addEventListener("input", update);
    select.addEventListener("change", update);
    return el("div", { "class": "flow-row" }, [field(id, "Wait for", amount, "Up to 7 days."), field(id + "-unit", "Unit", select)]);
  }

  function cardCheckbox(block) {
    var id = fieldId(block, "card");
    var box = el("input", { type: "checkbox", id: id, disabled: !block.sku_id });
    box.checked = Boolean(block.card);
    box.addEventListener("change", function () { block.card = box.checked; changed(); });
    return el("div", { "class": "field field-checkbox" }, [
      box,
      el("label", { "for": id, text: "Attach as shop card" }),
      el("div", { "class": "help", text: block.sku_id ? "At most one card per message. Where a card cannot go, it is sent as a line with the price." : "Pick a product first." })
    ]);
  }

  var TEXT_HINT = "{name}, {price} and {stock} come from the block’s product; {handle} is the buyer’s @; {field:shade} is what they answered.";

  function renderBody(block) {
    var parts = [];
    var type = block.type;
    if (type === "message") {
      parts.push(textInput(block, "text", "Message text", { multiline: true, hint: TEXT_HINT, placeholders: true, placeholder: "Hi {handle}! {name} is {price} today 💕" }));
      parts.push(skuPicker(block, "Product (optional)"));
      parts.push(cardCheckbox(block));
    } else if (type === "question") {
      parts.push(textInput(block, "text", "Question", { multiline: true, hint: TEXT_HINT, placeholders: true, placeholder: "Which shade would you like?" }));
      parts.push(textInput(block, "field", "Save the answer to the field", { maxlength: 40, placeholder: "shade", hint: "Lowercase letters, digits and _. Later blocks use it as {field:shade}." }));
    } else if (type === "quick_replies") {
      parts.push(textInput(block, "text", "Text above the replies", { multiline: true, hint: TEXT_HINT, placeholders: true, placeholder: "Which one would you like?" }));
      parts.push(optionsEditor(block));
      parts.push(textInput(block, "field", "Save the choice to the field (optional)", { maxlength: 40, placeholder: "choice", hint: "Empty: saved as {field:choice}." }));
    } else if (type === "branch") {
      parts.push(textInput(block, "field", "Field to check", { maxlength: 40, placeholder: "shade", hint: "A field a Question or Quick replies block saved. Case and spaces are ignored." }));
      parts.push(casesEditor(block));
      parts.push(gotoSelect(block, block, "else_goto", "Otherwise go to", fieldId(block, "else")));
    } else if (type === "shop_link") {
      parts.push(skuPicker(block, "Product"));
      parts.push(textInput(block, "text", "Text with the card (optional)", { multiline: true, hint: TEXT_HINT, placeholders: true }));
    } else if (type === "handoff") {
      parts.push(textInput(block, "reason", "Reason (your team sees it)", { maxlength: 200, placeholder: "wants a custom bundle" }));
    } else if (type === "wait") {
      parts.push(waitEditor(block));
    } else if (type === "tag") {
      parts.push(textInput(block, "tag", "Tag to add to the contact", { maxlength: 50, placeholder: "vip" }));
    }
    if (type !== "branch") {
      parts.push(gotoSelect(block, block, "goto", type === "question" || type === "quick_replies" ? "After the answer, go to" : "Then go to", fieldId(block, "goto")));
    }
    return parts;
  }

  function renderBlock(block, index) {
    var number = index + 1;
    var title = el("h3", { "class": "flow-block-title", id: fieldId(block, "title"), tabindex: "-1", text: number + " · " + (TYPES[block.type] || block.type) });
    var handle = el("span", { "class": "flow-drag", title: "Drag to reorder", "aria-hidden": "true", draggable: "true", text: "⠿" });
    var item = el("li", { "class": "flow-block", id: "block-" + block.id, "data-block-type": block.type, "aria-labelledby": title.id });
    var tools = el("div", { "class": "flow-block-tools" }, [
      button("↑", { "aria-label": "Move block " + number + " up", disabled: index === 0 }, function () {
        move(index, index - 1);
        render(fieldId(block, index - 1 === 0 ? "down" : "up"));
      }),
      button("↓", { "aria-label": "Move block " + number + " down", disabled: index === blocks.length - 1 }, function () {
        move(index, index + 1);
        render(fieldId(block, index + 1 === blocks.length - 1 ? "up" : "down"));
      }),
      button("Delete", { "class": "button button-small button-danger", "aria-label": "Delete block " + number }, function () {
        removeBlock(index);
      })
    ]);
    tools.children[0].id = fieldId(block, "up");
    tools.children[1].id = fieldId(block, "down");
    item.appendChild(el("div", { "class": "flow-block-head" }, [handle, title, tools]));
    renderBody(block).forEach(function (part) { item.appendChild(part); });
    var problems = blockErrors[number] || [];
    if (problems.length) {
      item.appendChild(el("ul", { "class": "flow-block-errors" }, problems.map(function (text) {
        return el("li", { "class": "error", text: text });
      })));
    }

    // Drag and drop by the handle only, so text in the fields can still be selected; the
    // whole block follows the pointer. Keyboard users have the arrows.
    handle.addEventListener("dragstart", function (event) {
      dragFrom = index;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", block.id);
      event.dataTransfer.setDragImage(item, 16, 16);
      item.classList.add("is-dragging");
    });
    handle.addEventListener("dragend", function () {
      dragFrom = null;
      item.classList.remove("is-dragging");
      list.querySelectorAll(".is-drop-target").forEach(function (node) { node.classList.remove("is-drop-target"); });
    });
    item.addEventListener("dragover", function (event) {
      if (dragFrom === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      item.classList.add("is-drop-target");
    });
    item.addEventListener("dragleave", function () { item.classList.remove("is-drop-target"); });
    item.addEventListener("drop", function (event) {
      event.preventDefault();
      if (dragFrom === null) return;
      var from = dragFrom;
      dragFrom = null;
      move(from, index);
      render(fieldId(block, "title"));
    });
    return item;
  }

  // -- saving, publishing, preview ---------------------------------------------------------------

  function showErrors(errors) {
    blockErrors = {};
    errorsBox.textContent = "";
    errorsBox.hidden = !errors.length;
    if (errors.length) {
      errorsBox.appendChild(el("div", {}, [
        el("p", {}, [el("strong", { text: "Not saved." }), " Fix these first:"]),
        el("ul", {}, errors.map(function (text) { return el("li", { text: text }); }))
      ]));
    }
    errors.forEach(function (text) {
      var match = /^Block (\d+): (.*)$/.exec(text);
      if (match) (blockErrors[match[1]] = blockErrors[match[1]] || []).push(match[2]);
    });
    render();
  }

  function save() {
    var sent = JSON.stringify(blocks);
    saveState.textContent = "Saving…";
    saveState.className = "flow-save-state";
    return post(root.dataset.saveUrl, { blocks: blocks })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return (json ? response.json() : Promise.resolve({})).then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.ok) {
          if (JSON.stringify(blocks) === sent) {
            dirty = false;
            saveState.textContent = "All changes saved";
          } else {
            saveState.textContent = "Unsaved changes";
            saveState.className = "flow-save-state is-dirty";
          }
          if (unpublishedChip && document.querySelector("[data-live-version].chip-green")) {
            unpublishedChip.hidden = !result.data.unpublished_changes;
          }
          if (!errorsBox.hidden || Object.keys(blockErrors).length) showErrors([]);
          return true;
        }
        showErrors(result.data.errors || ["The draft could not be saved (error " + result.status + "). Reload the page and try again."]);
        saveState.textContent = "Not saved";
        saveState.className = "flow-save-state is-error";
        errorsBox.focus();
        return false;
      })
      .catch(function () {
        saveState.textContent = "Not saved: check your connection";
        saveState.className = "flow-save-state is-error";
        return false;
      });
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 300);
  }

  function refreshPreview() {
    var seq = ++previewSeq;
    preview.setAttribute("aria-busy", "true");
    post(root.dataset.previewUrl, { blocks: blocks, door: doorSelect.value })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (seq !== previewSeq) return;  // an older answer arriving late
        preview.setAttribute("aria-busy", "false");
        if (html !== null) preview.innerHTML = html;
      })
      .catch(function () { preview.setAttribute("aria-busy", "false"); });
  }

  saveButton.hidden = false;
  saveButton.addEventListener("click", function () { save(); });
  errorsBox.setAttribute("tabindex", "-1");
  document.getElementById("flow-add").hidden = false;
  document.querySelectorAll("[data-add-block]").forEach(function (node) {
    node.setAttribute("aria-label", "Add a " + node.dataset.label + " block");
    node.addEventListener("click", function () { addBlock(node.dataset.addBlock); });
  });
  doorSelect.addEventListener("change", refreshPreview);

  publishForm.addEventListener("submit", function (event) {
    if (!dirty) { leaving = true; return; }
    event.preventDefault();
    save().then(function (saved) {
      if (!saved) return;
      leaving = true;
      publishForm.submit();
    });
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !leaving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  render();
})();
