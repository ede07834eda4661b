// The console's little script: confirmations before deleting, and each grid row checked as the
// clerk types (the server checks the cells with the import's own rules and answers every problem).
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

(function () {
  var grid = document.getElementById("grid");
  if (!grid) { return; }
  var url = "/api/drafts/" + grid.dataset.ledger + "/" + grid.dataset.period + "/check";
  var list = document.createElement("ul");
  list.id = "cell-problems";
  list.className = "cell-problems";
  grid.parentNode.parentNode.insertBefore(list, grid.parentNode.nextSibling);

  function check(row) {
    var inputs = row.querySelectorAll("input[data-field]");
    var cells = {};
    var filled = false;
    inputs.forEach(function (input) {
      cells[input.dataset.field] = input.value;
      if (input.value.trim() !== "") { filled = true; }
    });
    if (!filled) { return; }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": grid.dataset.csrf },
      body: JSON.stringify({ table: grid.dataset.table, row: Number(row.dataset.row) || 0, cells: cells })
    }).then(function (response) { return response.ok ? response.json() : []; })
      .then(function (problems) {
        inputs.forEach(function (input) { input.classList.remove("invalid"); input.removeAttribute("title"); });
        list.querySelectorAll("li[data-row='" + row.dataset.row + "']").forEach(function (item) { item.remove(); });
        problems.forEach(function (problem) {
          inputs.forEach(function (input) {
            if (input.dataset.field === problem.field) {
              input.classList.add("invalid");
              input.title = problem.message;
            }
          });
          var item = document.createElement("li");
          item.dataset.row = row.dataset.row;
          item.textContent = (problem.header || problem.field || "") + "：" + problem.message;
          list.appendChild(item);
        });
      });
  }

  grid.addEventListener("change", function (event) {
    var row = event.target.closest("tr[data-row]");
    if (row) { check(row); }
  });
})();
