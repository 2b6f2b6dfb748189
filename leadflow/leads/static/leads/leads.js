// Lead pages: refuse a too-large file before it is sent, focus a new custom field's key,
// and confirm removals from the do-not-call list.
(function () {
  "use strict";

  // A file over the limit is refused here, before the browser uploads it (the server
  // refuses it too, but only after the browser has started sending).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
    var form = input.closest("form");
    var message = form && form.querySelector("[data-upload-error]");
    var file = input.files && input.files[0];
    var tooBig = file && file.size > Number(input.dataset.maxBytes);
    var text = tooBig ? "“" + file.name + "” is " + Math.ceil(file.size / 1048576) + " MB; files are limited to " +
      input.dataset.maxMb + " MB." : "";
    input.setCustomValidity(text);
    if (message) { message.textContent = text; message.hidden = !tooBig; }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector("input[type=file][data-max-bytes]");
    if (input && !input.checkValidity()) { event.preventDefault(); input.reportValidity(); return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Choosing "Custom field…" puts the cursor in the key box next to it.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.classList.contains("target")) return;
    if (select.value !== "custom") return;
    var key = select.closest("tr").querySelector(".custom-key");
    if (key) setTimeout(function () { key.focus(); key.select(); }, 0);
  });
})();
