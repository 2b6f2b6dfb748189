// Status colour palette and the workflow matrix's cell highlighting.
(function () {
  "use strict";

  function markSelected(root, value) {
    root.querySelectorAll("[data-swatch]").forEach(function (s) {
      s.classList.toggle("is-selected", s.dataset.swatch.toLowerCase() === (value || "").toLowerCase());
    });
  }

  // A swatch sets the colour input (which itself opens the browser's palette).
  document.addEventListener("click", function (event) {
    var swatch = event.target.closest("[data-swatch]");
    if (!swatch) return;
    var root = swatch.closest("[data-palette]");
    var input = root.querySelector("input");
    input.value = swatch.dataset.swatch;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    markSelected(root, input.value);
  });
  document.addEventListener("input", function (event) {
    var root = event.target.closest("[data-palette]");
    if (root) markSelected(root, event.target.value);
  });

  // A ticked cell is tinted, so the grid reads at a glance.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.closest(".matrix")) return;
    box.closest("td").classList.toggle("is-on", box.checked);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-palette]").forEach(function (root) {
      markSelected(root, root.querySelector("input").value);
    });
  });
})();
