// The slot template editor, a little quicker: "add a row" and "remove" act in the page instead of a round trip
// to the server. Without JavaScript the same buttons submit the form and the server adds or removes the row;
// either way nothing is saved until "check and save".
"use strict";

(function () {
  var form = document.querySelector("form.slot-editor");
  if (!form) {
    return;
  }
  var body = form.querySelector("table.slot-rows tbody");
  var blank = { start: "", length: "", subject: "", replay_slot: "", replay_days: "0", title: "", filler_id: "" };

  function removeRow(row) {
    var next = row.nextElementSibling;
    if (next && next.classList.contains("row-problems")) {
      next.remove();
    }
    row.remove();
  }

  function addRow() {
    var rows = body.querySelectorAll("tr.slot-row");
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    row.classList.remove("has-problem");
    Object.keys(blank).forEach(function (name) {
      var field = row.querySelector("[name=" + name + "]");
      field.value = blank[name];
    });
    row.querySelector("select[name=kind]").selectedIndex = 0;
    row.querySelector("select[name=weekday]").value = last.querySelector("select[name=weekday]").value;
    body.appendChild(row);
    row.querySelector("input[name=start]").focus();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) {
      return;
    }
    if (button.name === "remove" && body.querySelectorAll("tr.slot-row").length > 1) {
      event.preventDefault();
      removeRow(button.closest("tr"));
    } else if (button.name === "add" && body.querySelector("tr.slot-row")) {
      event.preventDefault();
      addRow();
    }
  });
})();
