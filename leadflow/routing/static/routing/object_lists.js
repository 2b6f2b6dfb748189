// User-group editor: "Add an object-list line" appends {"field": f, "op": "in",
// "value": {"object_list": id}} to a filter group's condition (ANDed with what is there)
// and redraws that condition builder. The builder keeps such values as they are.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-object-list-add]");
    if (!button) return;
    var box = button.closest("[data-object-list-picker]");
    var form = button.closest("[data-testid=filter-group-form]");
    var builder = form && form.querySelector("[data-condition-builder]");
    if (!box || !builder) return;
    var field = box.querySelector("[data-object-list-field]").value;
    var listId = Number(box.querySelector("[data-object-list-id]").value);
    if (!field || !listId) return;
    var input = builder.querySelector("[data-condition-input]");
    var tree;
    try { tree = JSON.parse(input.value || "{}"); } catch (e) { tree = {}; }
    var line = { field: field, op: box.querySelector("[data-object-list-op]").value,
                 value: { object_list: listId } };
    if (!tree || typeof tree !== "object" || Object.keys(tree).length === 0) tree = line;
    else if (Array.isArray(tree.all) && Object.keys(tree).length === 1) tree.all.push(line);
    else tree = { all: [tree, line] };
    input.value = JSON.stringify(tree);
    builder.leadflowConditionBuilder = null;
    builder.querySelector("[data-condition-root]").textContent = "";
    if (window.LeadflowConditions) window.LeadflowConditions.init(builder);
  });
})();
