// Condition builder for the shared condition language (design.md, "The condition
// language"). The widget (leadflow/ui/conditions.py) renders, per field:
//   <div data-condition-builder>
//     <input type="hidden" data-condition-input value="<tree as JSON>">
//     <script type="application/json">{fields, operators, customAny}</script>
//     <div data-condition-root></div>
//   </div>
// This file keeps a model of the tree, draws it with native controls (so Tab, Space
// and Enter work without extra code) and writes the JSON back on every change.
//
// Round trip: a loaded tree serialises back to the same tree. The model therefore
// keeps what plain groups/lines cannot show: a leaf's raw value until it is edited,
// "implicit" groups (a bare leaf or a double negation has no group of its own in the
// JSON) and anything unrecognised as a read-only "raw" node.
(function () {
  "use strict";

  var CUSTOM_PREFIX = "custom.";
  var CUSTOM_OPTION = "__custom__"; // field <select> value of "Custom field…"
  var nextUid = 0;

  function uid() { nextUid += 1; return "cbn" + nextUid; }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function onlyKey(node, key) {
    return isObject(node) && Object.keys(node).length === 1 && Object.prototype.hasOwnProperty.call(node, key);
  }
  function isGroupNode(node) {
    return (onlyKey(node, "all") && Array.isArray(node.all)) || (onlyKey(node, "any") && Array.isArray(node.any));
  }
  function isNotNode(node) { return onlyKey(node, "not"); }
  function isLeaf(node) {
    return isObject(node) && typeof node.field === "string" && typeof node.op === "string" &&
      !("all" in node) && !("any" in node) && !("not" in node);
  }
  function isBlank(v) { return v === null || v === undefined || v === ""; }
  function join(path, part) { return path ? path + "." + part : part; }

  // --- model -----------------------------------------------------------------------

  function makeGroup(op, children, negated, implicit) {
    return { kind: "group", id: uid(), op: op, negated: !!negated, implicit: !!implicit, children: children };
  }
  function makeLine(leaf, negated) {
    var extra = {};
    Object.keys(leaf).forEach(function (k) {
      if (k !== "field" && k !== "op" && k !== "value") extra[k] = leaf[k];
    });
    return {
      kind: "line", id: uid(), field: leaf.field, op: leaf.op, negated: !!negated,
      hasValue: Object.prototype.hasOwnProperty.call(leaf, "value"), value: leaf.value, extra: extra,
    };
  }

  function parseNode(node) {
    if (isGroupNode(node)) {
      var op = "all" in node ? "all" : "any";
      return makeGroup(op, node[op].map(parseNode), false, false);
    }
    if (isNotNode(node)) {
      var inner = node.not;
      if (isGroupNode(inner)) { var g = parseNode(inner); g.negated = true; return g; }
      if (isLeaf(inner)) return makeLine(inner, true);
      // {"not": {"not": …}} or {"not": <junk>}: a group that exists only to negate.
      return makeGroup("all", [parseNode(inner)], true, true);
    }
    if (isLeaf(node)) return makeLine(node, false);
    return { kind: "raw", id: uid(), node: node };
  }

  function parseRoot(tree) {
    if (isObject(tree) && Object.keys(tree).length === 0) return makeGroup("all", [], false, true);
    if (isGroupNode(tree)) return parseNode(tree);
    if (isNotNode(tree) && isGroupNode(tree.not)) return parseNode(tree);
    // A bare leaf (or a negated one) as the whole tree: the root group is implicit, so
    // it serialises back to the bare leaf while it holds one child.
    return makeGroup("all", [parseNode(tree)], false, true);
  }

  function leafJSON(line) {
    var out = {};
    Object.keys(line.extra).forEach(function (k) { out[k] = line.extra[k]; });
    out.field = line.field;
    out.op = line.op;
    if (line.hasValue) out.value = line.value;
    return out;
  }

  // The JSON of a model node. `paths` collects {path: model node} using the paths the
  // server names bad nodes by ("all[1].any[0]", "not", "" for the root).
  function toJSON(node, path, paths, isRoot) {
    paths[path] = node;
    if (node.kind === "raw") return node.node;
    var innerPath = node.negated ? join(path, "not") : path;
    var inner;
    if (node.kind === "line") {
      paths[innerPath] = node;
      inner = leafJSON(node);
    } else if (node.implicit && node.children.length === 1) {
      paths[innerPath] = node;
      inner = toJSON(node.children[0], innerPath, paths, false);
    } else if (isRoot && node.implicit && !node.negated && node.children.length === 0) {
      return {};
    } else {
      paths[innerPath] = node;
      inner = {};
      inner[node.op] = node.children.map(function (child, i) {
        return toJSON(child, join(innerPath, node.op + "[" + i + "]"), paths, false);
      });
    }
    return node.negated ? { not: inner } : inner;
  }

  // --- values ----------------------------------------------------------------------

  var DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  var LOCAL_DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;
  var NUMERIC_OPS = { lt: 1, lte: 1, gt: 1, gte: 1, between: 1 };

  // The type one value of the line is compared as (an id for an id list; for an
  // undeclared custom field, what the language would infer from operator and value).
  function elementType(field, line) {
    if (field.type === "id_list") return "id";
    if (field.type !== "any") return field.type;
    if (line.op === "contains" || line.op === "starts_with") return "string";
    if (NUMERIC_OPS[line.op]) return "number";
    var sample = Array.isArray(line.value) ? line.value[0] : line.value;
    if (typeof sample === "boolean") return "boolean";
    if (typeof sample === "number") return "number";
    return "string";
  }

  function fits(value, type) {
    if (isBlank(value)) return true;
    if (type === "integer" || type === "id" || type === "number") return typeof value === "number";
    if (type === "boolean") return typeof value === "boolean";
    return typeof value === "string";
  }

  // Text typed by the user -> the JSON value of the element type. Text that does not
  // parse is posted as text so the server names the node and says what is wrong.
  function coerce(text, type) {
    if (type === "string") return text;
    var t = text.trim();
    if (t === "") return null;
    if (type === "integer" || type === "id" || type === "number") {
      var n = Number(t);
      return Number.isFinite(n) ? n : t;
    }
    if (type === "boolean") return t === "true" ? true : t === "false" ? false : t;
    return t; // date, datetime: ISO text
  }

  function emptyValue(shape, type, field) {
    if (shape === "list") return [];
    if (shape === "range") return [null, null];
    if (shape === "days") return null;
    if (field.choices && field.choices.length) return field.choices[0][0];
    if (type === "boolean") return true;
    if (type === "string") return "";
    return null;
  }

  // --- the builder -----------------------------------------------------------------

  function Builder(root) {
    this.root = root;
    this.input = root.querySelector("[data-condition-input]");
    this.body = root.querySelector("[data-condition-root]");
    var schemaScript = root.querySelector('script[type="application/json"]');
    this.schema = JSON.parse(schemaScript ? schemaScript.textContent : "{}");
    this.schema.fields = this.schema.fields || [];
    this.schema.operators = this.schema.operators || {};
    this.fields = {};
    var self = this;
    this.schema.fields.forEach(function (f) { self.fields[f.name] = f; });
    this.errorPath = root.hasAttribute("data-error-path") ? root.getAttribute("data-error-path") : null;
    this.notice = "";
    var text = (this.input.value || "").trim();
    try {
      this.model = parseRoot(text ? JSON.parse(text) : {});
    } catch (e) {
      // Keep the stored text until the user builds something new (the input is
      // rewritten only on a change), and say why the builder starts empty.
      this.model = parseRoot({});
      this.notice = "The saved condition is not valid JSON; building a new one replaces it.";
    }
    this.linkLabel();
    root.addEventListener("keydown", function (event) {
      // Enter in a text/number/date box would submit the whole form.
      if (event.key === "Enter" && event.target.tagName === "INPUT") event.preventDefault();
    });
    this.render();
  }

  // The form's <label for=…> points at the hidden input; make it name the builder.
  Builder.prototype.linkLabel = function () {
    var id = this.input.id;
    if (!id) return;
    var label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
    if (!label) return;
    if (!label.id) label.id = id + "-label";
    this.root.setAttribute("role", "group");
    this.root.setAttribute("aria-labelledby", label.id);
    var self = this;
    label.addEventListener("click", function () {
      var first = self.body.querySelector("button, select, input");
      if (first) first.focus();
    });
  };

  Builder.prototype.fieldInfo = function (name) {
    if (this.fields[name]) return this.fields[name];
    var allOps = Object.keys(this.schema.operators);
    if (this.schema.customAny && name.indexOf(CUSTOM_PREFIX) === 0) {
      return { name: name, label: name, type: "any", ops: this.schema.anyOps || allOps, custom: true };
    }
    return { name: name, label: name + " (unknown field)", type: "any", ops: allOps, unknown: true };
  };
  Builder.prototype.shape = function (op) {
    var info = this.schema.operators[op];
    return info ? info.shape : "one";
  };

  Builder.prototype.save = function () {
    // The server's error path named the posted tree, not this one.
    this.errorPath = null;
    this.body.querySelectorAll(".is-invalid").forEach(function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    this.input.value = JSON.stringify(toJSON(this.model, "", {}, true));
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  // Structural changes redraw everything (the tree is small); focus goes back to the
  // control with the same key, or to `focusKey` when an action names one.
  Builder.prototype.render = function (focusKey) {
    var active = document.activeElement;
    var key = focusKey || (active && this.body.contains(active) ? active.getAttribute("data-key") : null);
    this.paths = {};
    toJSON(this.model, "", this.paths, true);
    this.invalid = this.errorPath !== null ? (this.paths[this.errorPath] || this.model) : null;
    this.body.textContent = "";
    if (this.notice) this.body.appendChild(h("p", { class: "cb-note", role: "status" }, this.notice));
    this.body.appendChild(this.renderGroup(this.model, null));
    if (key) {
      var target = this.body.querySelector('[data-key="' + CSS.escape(key) + '"]');
      if (target) target.focus();
    }
  };

  Builder.prototype.change = function (focusKey) {
    this.notice = "";
    this.save();
    this.render(focusKey);
  };

  Builder.prototype.newLine = function () {
    var first = this.schema.fields[0] || { name: "", type: "string", ops: ["eq"] };
    var op = first.ops[0] || "eq";
    var line = makeLine({ field: first.name, op: op }, false);
    this.setValueForShape(line, null);
    return line;
  };

  // After a field or operator change: keep the value when it still fits, convert
  // between one value and a list/range where that is obvious, reset otherwise.
  Builder.prototype.setValueForShape = function (line, oldShape) {
    var field = this.fieldInfo(line.field);
    var shape = this.shape(line.op);
    if (shape === "none") { line.hasValue = false; line.value = undefined; return; }
    var old = line.hasValue ? line.value : undefined;
    line.hasValue = true;
    var type = elementType(field, line);
    var value;
    if (oldShape === shape) value = old;
    else if (oldShape === "one" && shape === "list") value = isBlank(old) ? [] : [old];
    else if (oldShape === "one" && shape === "range") value = [isBlank(old) ? null : old, null];
    else if ((oldShape === "list" || oldShape === "range") && shape === "one") value = Array.isArray(old) && old.length ? old[0] : undefined;
    else if (oldShape === "list" && shape === "range") value = Array.isArray(old) ? [old[0] === undefined ? null : old[0], old[1] === undefined ? null : old[1]] : undefined;
    else if (oldShape === "range" && shape === "list") value = Array.isArray(old) ? old.filter(function (v) { return !isBlank(v); }) : undefined;
    var ok = value !== undefined && (shape === "days" ? fits(value, "number")
      : Array.isArray(value) ? (shape !== "one" && value.every(function (v) { return fits(v, type); }))
      : (shape === "one" && fits(value, type)));
    line.value = ok ? value : emptyValue(shape, type, field);
  };

  // --- drawing ---------------------------------------------------------------------

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var v = attrs[name];
      if (v === null || v === undefined || v === false) return;
      if (name === "class") el.className = v;
      else if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), v);
      else if (name === "value") el.value = v;
      else el.setAttribute(name, v === true ? "" : v);
    });
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }

  function button(attrs, label) {
    attrs.type = "button";
    attrs.class = "cb-btn " + (attrs.class || "");
    return h("button", attrs, label);
  }

  Builder.prototype.renderGroup = function (group, parent) {
    var self = this;
    var isRoot = parent === null;
    var cls = "cb-group" + (isRoot ? " cb-root" : "") + (group.negated ? " is-negated" : "") +
      (this.invalid === group ? " is-invalid" : "");
    var setOp = function (op) {
      return function () {
        if (group.op === op) return;
        group.op = op;
        self.change(group.id + ":" + op);
      };
    };
    var head = h("div", { class: "cb-group-head" }, [
      button({
        class: "cb-not", "aria-pressed": group.negated ? "true" : "false", "data-key": group.id + ":not",
        "aria-label": "NOT: negate this group", title: "Negate the whole group",
        onclick: function () { group.negated = !group.negated; self.change(group.id + ":not"); },
      }, "NOT"),
      h("span", { class: "cb-seg", role: "group", "aria-label": "Combine conditions with" }, [
        button({ class: "cb-seg-and", "aria-pressed": group.op === "all" ? "true" : "false",
          "data-key": group.id + ":all", "aria-label": "AND: all must hold", onclick: setOp("all") }, "AND"),
        button({ class: "cb-seg-or", "aria-pressed": group.op === "any" ? "true" : "false",
          "data-key": group.id + ":any", "aria-label": "OR: any may hold", onclick: setOp("any") }, "OR"),
      ]),
      h("span", { class: "cb-hint" }, group.op === "all"
        ? (group.negated ? "not all of the following" : "all of the following")
        : (group.negated ? "none of the following" : "any of the following")),
      isRoot ? null : button({
        class: "cb-remove", "data-key": group.id + ":remove", "aria-label": "Remove group",
        title: "Remove group", onclick: function () { self.remove(group, parent); },
      }, "\u00d7"),
    ]);
    var items = group.children.map(function (child) {
      return h("li", { class: "cb-item" }, child.kind === "group" ? self.renderGroup(child, group)
        : child.kind === "line" ? self.renderLine(child, group) : self.renderRaw(child, group));
    });
    var list = items.length ? h("ol", { class: "cb-children", "data-op": group.op }, items)
      : h("p", { class: "cb-empty" }, isRoot ? "No conditions." : "Empty group.");
    var actions = h("div", { class: "cb-group-actions" }, [
      button({ class: "cb-add", "data-key": group.id + ":add-line", "aria-label": "Add condition",
        onclick: function () {
          var line = self.newLine();
          group.children.push(line);
          self.change(line.id + ":field");
        } }, "+ Condition"),
      button({ class: "cb-add", "data-key": group.id + ":add-group", "aria-label": "Add group",
        onclick: function () {
          // A new group starts with one condition: an empty group is rarely wanted and
          // "any of nothing" would silently match nothing.
          var line = self.newLine();
          group.children.push(makeGroup(group.op === "all" ? "any" : "all", [line], false, false));
          self.change(line.id + ":field");
        } }, "+ Group"),
    ]);
    return h("div", { class: cls, role: "group", "aria-label": isRoot ? "Conditions" : "Condition group",
      "data-node-id": group.id, "aria-invalid": this.invalid === group ? "true" : null },
    [head, list, actions]);
  };

  Builder.prototype.remove = function (node, parent) {
    var index = parent.children.indexOf(node);
    parent.children.splice(index, 1);
    // An emptied builder means "no condition" ({}), whatever the root's AND/OR was:
    // {"any": []} would silently match nothing.
    if (parent === this.model && !parent.children.length) parent.implicit = true;
    var next = parent.children[index] || parent.children[index - 1];
    this.change(next ? next.id + (next.kind === "group" ? ":not" : next.kind === "line" ? ":field" : ":remove")
      : parent.id + ":add-line");
  };

  Builder.prototype.renderRaw = function (node, parent) {
    var self = this;
    return h("div", { class: "cb-line cb-raw" + (this.invalid === node ? " is-invalid" : ""),
      "data-node-id": node.id, role: "group", "aria-label": "Condition the builder cannot edit" }, [
      h("code", { class: "cb-raw-json" }, JSON.stringify(node.node)),
      button({ class: "cb-remove", "data-key": node.id + ":remove", "aria-label": "Remove condition",
        title: "Remove condition", onclick: function () { self.remove(node, parent); } }, "\u00d7"),
    ]);
  };

  Builder.prototype.fieldSelect = function (line) {
    var self = this;
    var known = !!this.fields[line.field];
    var customTyped = !known && this.schema.customAny && line.field.indexOf(CUSTOM_PREFIX) === 0;
    var plain = [], custom = [];
    this.schema.fields.forEach(function (f) {
      var opt = h("option", { value: f.name }, f.label);
      (f.name.indexOf(CUSTOM_PREFIX) === 0 ? custom : plain).push(opt);
    });
    var options = plain;
    if (custom.length) options = options.concat([h("optgroup", { label: "Custom fields" }, custom)]);
    if (this.schema.customAny) options.push(h("option", { value: CUSTOM_OPTION }, "Custom field\u2026"));
    if (!known && !customTyped) options.unshift(h("option", { value: line.field }, this.fieldInfo(line.field).label));
    var select = h("select", { class: "cb-ctl cb-field", "aria-label": "Field", "data-key": line.id + ":field",
      onchange: function () {
        var oldField = self.fieldInfo(line.field);
        var oldShape = line.hasValue ? self.shape(line.op) : "none";
        var oldType = elementType(oldField, line);
        line.field = select.value === CUSTOM_OPTION ? CUSTOM_PREFIX : select.value;
        var field = self.fieldInfo(line.field);
        if (field.ops.indexOf(line.op) === -1) line.op = field.ops[0];
        if (elementType(field, line) !== oldType || field.choices || oldField.choices) {
          line.hasValue = false; // a value of another type or choice list means nothing here
          oldShape = "none";
        }
        self.setValueForShape(line, oldShape);
        self.change(line.id + (select.value === CUSTOM_OPTION ? ":custom-key" : ":field"));
      } }, options);
    select.value = customTyped ? CUSTOM_OPTION : line.field;
    return select;
  };

  Builder.prototype.renderLine = function (line, parent) {
    var self = this;
    var field = this.fieldInfo(line.field);
    var customTyped = !this.fields[line.field] && this.schema.customAny && line.field.indexOf(CUSTOM_PREFIX) === 0;
    var ops = field.ops.slice();
    if (ops.indexOf(line.op) === -1) ops.unshift(line.op);
    var opSelect = h("select", { class: "cb-ctl cb-op", "aria-label": "Operator", "data-key": line.id + ":op",
      onchange: function () {
        var oldShape = line.hasValue ? self.shape(line.op) : "none";
        line.op = opSelect.value;
        self.setValueForShape(line, oldShape);
        self.change(line.id + ":op");
      } }, ops.map(function (op) {
      var info = self.schema.operators[op];
      var valid = field.ops.indexOf(op) !== -1;
      return h("option", { value: op, title: info ? info.meaning : null },
        (info ? info.label : op) + (valid ? "" : " (not allowed)"));
    }));
    opSelect.value = line.op;
    var invalid = this.invalid === line;
    return h("div", { class: "cb-line" + (line.negated ? " is-negated" : "") + (invalid ? " is-invalid" : ""),
      role: "group", "aria-label": "Condition", "data-node-id": line.id, "aria-invalid": invalid ? "true" : null }, [
      button({ class: "cb-not", "aria-pressed": line.negated ? "true" : "false", "data-key": line.id + ":not",
        "aria-label": "NOT: negate this condition", title: "Negate this condition",
        onclick: function () { line.negated = !line.negated; self.change(line.id + ":not"); } }, "NOT"),
      this.fieldSelect(line),
      customTyped ? h("input", { type: "text", class: "cb-ctl cb-custom-key", "aria-label": "Custom field key",
        placeholder: "key", "data-key": line.id + ":custom-key", value: line.field.slice(CUSTOM_PREFIX.length),
        oninput: function (event) { line.field = CUSTOM_PREFIX + event.target.value.trim(); self.save(); } }) : null,
      opSelect,
      this.renderValue(line, field),
      button({ class: "cb-remove", "data-key": line.id + ":remove", "aria-label": "Remove condition",
        title: "Remove condition", onclick: function () { self.remove(line, parent); } }, "\u00d7"),
    ]);
  };

  // One value box. Its kind follows the element type; a stored value the native
  // box could not show (an offset date-time, text in a number field) gets a text box
  // instead, so nothing is hidden from the user.
  Builder.prototype.scalarInput = function (line, type, value, label, key, onValue, choices) {
    if (choices || type === "boolean") {
      var opts = choices || [[true, "true"], [false, "false"]];
      var known = opts.some(function (c) { return c[0] === value; });
      var select = h("select", { class: "cb-ctl cb-value-select", "aria-label": label, "data-key": key,
        onchange: function () {
          onValue(select.value === "x" ? value : opts[Number(select.value.slice(1))][0]);
        } }, (known ? [] : [h("option", { value: "x" }, isBlank(value) ? "\u2014" : String(value))]).concat(
        opts.map(function (c, i) { return h("option", { value: "c" + i }, String(c[1])); })));
      select.value = known ? "c" + opts.findIndex(function (c) { return c[0] === value; }) : "x";
      return select;
    }
    var inputType = "text", step = null, shown = isBlank(value) ? "" : String(value);
    if (type === "integer" || type === "id") { inputType = "number"; step = "1"; }
    else if (type === "number") { inputType = "number"; step = "any"; }
    else if (type === "date") inputType = "date";
    else if (type === "datetime") inputType = "datetime-local";
    var showable = isBlank(value) || (inputType === "number" ? typeof value === "number"
      : inputType === "date" ? DATE_RE.test(value) : inputType === "datetime-local" ? LOCAL_DATETIME_RE.test(value) : true);
    if (!showable) { inputType = "text"; step = null; }
    return h("input", { type: inputType, step: step, class: "cb-ctl cb-value cb-value-" + inputType,
      "aria-label": label, "data-key": key, value: shown, title: inputType === "text" && shown ? shown : null,
      oninput: function (event) { onValue(coerce(event.target.value, type)); } });
  };

  Builder.prototype.renderValue = function (line, field) {
    var self = this;
    var shape = this.shape(line.op);
    if (!line.hasValue) return null;
    var type = elementType(field, line);
    var set = function (value) { line.value = value; self.save(); };
    var box = h("span", { class: "cb-values" });
    var key = line.id + ":value";
    if (shape === "days") {
      box.appendChild(h("input", { type: typeof line.value === "number" || isBlank(line.value) ? "number" : "text",
        min: "0", step: "any", class: "cb-ctl cb-value cb-value-days", "aria-label": "Number of days",
        "data-key": key, value: isBlank(line.value) ? "" : String(line.value),
        oninput: function (event) { set(coerce(event.target.value, "number")); } }));
      box.appendChild(h("span", { class: "cb-unit" }, "days"));
    } else if (shape === "range") {
      var pair = Array.isArray(line.value) ? line.value.slice() : [line.value, null];
      box.appendChild(this.scalarInput(line, type, pair[0], "From", key + "0", function (v) {
        pair[0] = v; set(pair.slice()); }, null));
      box.appendChild(h("span", { class: "cb-unit" }, "and"));
      box.appendChild(this.scalarInput(line, type, pair[1], "To", key + "1", function (v) {
        pair[1] = v; set(pair.slice()); }, null));
    } else if (shape === "list" && field.choices) {
      box.appendChild(this.choiceList(line, field, key));
    } else if (shape === "list") {
      var list = Array.isArray(line.value) ? line.value : isBlank(line.value) ? [] : [line.value];
      box.appendChild(h("input", { type: "text", class: "cb-ctl cb-value cb-value-list",
        "aria-label": "Values, separated by commas", placeholder: "a, b, c", "data-key": key,
        value: list.map(String).join(", "),
        oninput: function (event) {
          set(event.target.value.split(",").map(function (s) { return s.trim(); })
            .filter(function (s) { return s !== ""; })
            .map(function (s) { return coerce(s, type); }));
        } }));
    } else {
      box.appendChild(this.scalarInput(line, type, line.value, "Value", key, set, field.choices || null));
    }
    return box;
  };

  // in / not_in over a field with named choices: one checkbox per choice, plus any
  // stored value that is not a choice (so it stays visible and can be unticked).
  Builder.prototype.choiceList = function (line, field, key) {
    var self = this;
    var chosen = Array.isArray(line.value) ? line.value : [];
    var entries = field.choices.map(function (c) { return { value: c[0], label: String(c[1]) }; });
    chosen.forEach(function (v) {
      if (!entries.some(function (e) { return e.value === v; })) entries.push({ value: v, label: String(v) + " (unknown)" });
    });
    var group = h("span", { class: "cb-checks", role: "group", "aria-label": "Values" });
    entries.forEach(function (entry, i) {
      var box = h("input", { type: "checkbox", "data-key": key + i, checked: chosen.indexOf(entry.value) !== -1,
        onchange: function () {
          var boxes = group.querySelectorAll("input[type=checkbox]");
          line.value = entries.filter(function (_, j) { return boxes[j].checked; }).map(function (e) { return e.value; });
          self.save();
        } });
      group.appendChild(h("label", { class: "cb-check" }, [box, " " + entry.label]));
    });
    return group;
  };

  // --- start-up --------------------------------------------------------------------

  function initAll(scope) {
    scope = scope || document;
    var roots = Array.prototype.slice.call(scope.querySelectorAll("[data-condition-builder]"));
    if (scope.matches && scope.matches("[data-condition-builder]")) roots.unshift(scope);
    roots.forEach(function (root) {
      if (root.leadflowConditionBuilder) return;
      root.leadflowConditionBuilder = new Builder(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  } else {
    initAll(document);
  }
  // Forms swapped in by htmx get their builders too.
  document.addEventListener("htmx:load", function (event) { initAll(event.target); });
  // ``h`` (element builder) is shared with the other editors (rules/rules.js).
  window.LeadflowConditions = { init: initAll, h: h };
})();
