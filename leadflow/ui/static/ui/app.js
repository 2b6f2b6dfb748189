// Small behaviours of the back office; everything else is plain HTML forms and htmx.
(function () {
  "use strict";

  // "Expand All" opens every campaign group (and collapses them again).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-expand-all]");
    if (!button) return;
    var groups = document.querySelectorAll("details.group");
    var anyClosed = Array.prototype.some.call(groups, function (g) { return !g.open; });
    groups.forEach(function (g) { g.open = anyClosed; });
    button.textContent = anyClosed ? "Collapse All" : "Expand All";
  });

  // Close other open menus when one opens or the user clicks elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // Dual list: clicking a campaign moves it between "Available" and "In this group";
  // hidden inputs mirror the right-hand box so the form posts plain campaign_ids.
  function initDualList(root) {
    var available = root.querySelector("[data-duallist-available]");
    var selected = root.querySelector("[data-duallist-selected]");
    var filter = root.querySelector("[data-duallist-filter]");
    var form = root.closest("form");
    var inputs = form.querySelector("[data-duallist-inputs]");

    function syncInputs() {
      inputs.innerHTML = "";
      selected.querySelectorAll("button[data-campaign-id]").forEach(function (b) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "campaign_ids"; input.value = b.dataset.campaignId;
        inputs.appendChild(input);
      });
    }
    function applyFilter() {
      var needle = (filter.value || "").trim().toLowerCase();
      available.querySelectorAll("li").forEach(function (li) {
        li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) === -1;
      });
    }
    root.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-campaign-id]");
      if (!button) return;
      var li = button.parentElement;
      (li.parentElement === available ? selected : available).appendChild(li);
      syncInputs(); applyFilter();
    });
    filter.addEventListener("input", applyFilter);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-duallist]").forEach(initDualList);
  });
})();
