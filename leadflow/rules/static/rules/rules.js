// The rule editor's trigger list and action list (rules/rule_form.html).
//
// Each list lives as JSON in a hidden input (what the form posts and the services
// validate); this file draws native controls for it and rewrites the JSON on every
// change, like ui/conditions.js does for conditions. Keys the editor does not know
// are kept, so a rule saved by the API round-trips unchanged.
// The page also shows the event or the time part of the form, following the type.
(function () {
  "use strict";

  // The element builder of ui/conditions.js (loaded before this file, both deferred).
  var h = window.LeadflowConditions.h;

  // A <select> over [[value, label], …]; values keep their JSON type (ids stay numbers).
  function choice(options, value, attrs, onValue) {
    var known = options.some(function (o) { return o[0] === value; });
    var opts = (known || value === undefined ? [] : [[value, String(value) + " (unknown)"]]).concat(options);
    var el = h("select", attrs, opts.map(function (o, i) { return h("option", { value: "o" + i }, String(o[1])); }));
    el.value = "o" + Math.max(0, opts.findIndex(function (o) { return o[0] === value; }));
    el.addEventListener("change", function () { onValue(opts[Number(el.value.slice(1))][0]); });
    return el;
  }

  // Whole numbers as numbers; anything else as typed, so the server names the problem.
  function whole(text) {
    var t = String(text).trim();
    if (t === "") return null;
    var n = Number(t);
    return Number.isInteger(n) ? n : t;
  }

  function numberBox(value, attrs, onValue) {
    attrs.type = "number"; attrs.step = "1";
    attrs.value = value === null || value === undefined ? "" : String(value);
    attrs.oninput = function (event) { onValue(whole(event.target.value)); };
    return h("input", attrs);
  }

  function labelled(text, control) {
    return h("label", { class: "le-param" }, [h("span", { class: "le-param-label" }, text), control]);
  }

  // --- a list editor: rows, add / remove / move, JSON in the hidden input ----------------

  function ListEditor(root, spec) {
    this.root = root;
    this.spec = spec;
    this.input = document.getElementById(root.getAttribute("data-input"));
    try {
      var parsed = JSON.parse(this.input.value || "[]");
      this.items = Array.isArray(parsed) ? parsed : [];
    } catch (e) {
      this.items = [];
    }
    // Server messages naming a row ("Action 2 (freeze): …") are shown on that row too.
    this.rowErrors = {};
    var self = this;
    var section = root.closest("fieldset");
    (section ? section.querySelectorAll("p.error") : []).forEach(function (p) {
      var match = spec.errorRe.exec(p.textContent.trim());
      if (!match) return;
      var index = Number(match[1]) - 1;
      (self.rowErrors[index] = self.rowErrors[index] || []).push(p.textContent.trim());
    });
    this.render();
  }

  ListEditor.prototype.save = function () {
    this.rowErrors = {}; // they described the posted list, not this one
    this.input.value = JSON.stringify(this.items);
  };

  ListEditor.prototype.change = function (focusKey) {
    this.save();
    this.render(focusKey);
  };

  ListEditor.prototype.move = function (index, by) {
    var item = this.items.splice(index, 1)[0];
    this.items.splice(index + by, 0, item);
    this.change("row" + (index + by) + (by < 0 ? ":up" : ":down"));
  };

  ListEditor.prototype.render = function (focusKey) {
    var self = this, spec = this.spec;
    var active = document.activeElement;
    var key = focusKey || (active && this.root.contains(active) ? active.getAttribute("data-key") : null);
    this.root.textContent = "";
    var rows = this.items.map(function (item, index) {
      var number = index + 1;
      var errors = self.rowErrors[index] || [];
      var tools = [];
      if (spec.ordered) {
        tools.push(h("button", { type: "button", class: "btn btn-small le-tool", "data-key": "row" + index + ":up",
          "aria-label": "Move " + spec.noun + " " + number + " up", title: "Move up", disabled: index === 0,
          onclick: function () { self.move(index, -1); } }, "\u2191"));
        tools.push(h("button", { type: "button", class: "btn btn-small le-tool", "data-key": "row" + index + ":down",
          "aria-label": "Move " + spec.noun + " " + number + " down", title: "Move down",
          disabled: index === self.items.length - 1, onclick: function () { self.move(index, 1); } }, "\u2193"));
      }
      tools.push(h("button", { type: "button", class: "btn btn-small le-tool le-remove", "data-key": "row" + index + ":remove",
        "aria-label": "Remove " + spec.noun + " " + number, title: "Remove",
        onclick: function () {
          self.items.splice(index, 1);
          var next = Math.min(index, self.items.length - 1);
          self.change(next >= 0 ? "row" + next + ":type" : "add");
        } }, "\u00d7"));
      var body = spec.renderRow(item, index, function (focus) { self.change(focus); }, function () { self.save(); });
      return h("li", { class: "le-row" + (errors.length ? " is-invalid" : ""), "data-testid": spec.noun + "-row",
        role: "group", "aria-label": spec.Noun + " " + number }, [
        h("span", { class: "le-number", "aria-hidden": "true" }, number + "."),
        h("div", { class: "le-body" }, [body].concat(errors.map(function (e) {
          return h("p", { class: "error le-error" }, e);
        }))),
        h("span", { class: "le-tools" }, tools),
      ]);
    });
    this.root.appendChild(rows.length ? h("ol", { class: "le-list" }, rows)
      : h("p", { class: "empty le-empty" }, spec.empty));
    this.root.appendChild(spec.renderAdd(function (item) {
      self.items.push(item);
      self.change("row" + (self.items.length - 1) + ":type");
    }));
    if (key) {
      var target = this.root.querySelector('[data-key="' + CSS.escape(key) + '"]');
      if (target) target.focus();
    }
  };

  // --- triggers ----------------------------------------------------------------------

  function triggerSpec(config) {
    var anyStatus = function (label) { return [[null, label]].concat(config.statuses); };
    return {
      noun: "trigger", Noun: "Trigger", ordered: false, errorRe: /^Trigger (\d+)\b/,
      empty: "No trigger yet: an event rule needs at least one.",
      renderRow: function (item, index, changed, saved) {
        var key = "row" + index;
        var parts = [labelled("Event", choice(config.triggers, item.event,
          { class: "le-ctl", "data-key": key + ":type", "data-testid": "trigger-event" }, function (v) {
            item.event = v;
            if (config.statusEvents.indexOf(v) === -1) { delete item.from_status; delete item.to_status; }
            if (config.dialResultEvents.indexOf(v) === -1) delete item.dial_result;
            changed(key + ":type");
          }))];
        var set = function (name) {
          return function (v) { if (v === null) delete item[name]; else item[name] = v; saved(); };
        };
        if (config.statusEvents.indexOf(item.event) !== -1) {
          parts.push(labelled("From status", choice(anyStatus("any status"), item.from_status === undefined ? null : item.from_status,
            { class: "le-ctl", "data-key": key + ":from", "data-testid": "trigger-from" }, set("from_status"))));
          parts.push(labelled("To status", choice(anyStatus("any status"), item.to_status === undefined ? null : item.to_status,
            { class: "le-ctl", "data-key": key + ":to", "data-testid": "trigger-to" }, set("to_status"))));
        }
        if (config.dialResultEvents.indexOf(item.event) !== -1) {
          parts.push(labelled("Dial result", choice([[null, "any result"]].concat(config.dialResults),
            item.dial_result === undefined ? null : item.dial_result,
            { class: "le-ctl", "data-key": key + ":result", "data-testid": "trigger-dial-result" }, set("dial_result"))));
        }
        return h("div", { class: "le-params" }, parts);
      },
      renderAdd: function (add) {
        return h("div", { class: "le-add" }, h("button", { type: "button", class: "btn btn-small", "data-key": "add",
          "data-testid": "add-trigger", onclick: function () { add({ event: config.triggers[0][0] }); } }, "+ Trigger"));
      },
    };
  }

  // --- actions -----------------------------------------------------------------------

  function actionDefaults(type, config) {
    switch (type) {
      case "set_status": return { type: type, status: config.statuses.length ? config.statuses[0][0] : null };
      case "change_weight": return { type: type, mode: "add", value: null };
      case "freeze": return { type: type, days: 1 };
      case "assign": return { type: type, to: "event_agent" };
      case "schedule_callback": return { type: type, at: "next_window", kind: "general" };
      case "add_dnc": return { type: type, scope: "campaign" };
      case "move_campaign": return { type: type, campaign: config.campaigns.length ? config.campaigns[0][0] : null, status: "by_name" };
      case "set_field": return { type: type, field: config.columns[0], value: "" };
      default: return { type: type };
    }
  }

  function actionParams(item, key, config, changed, saved) {
    var set = function (name, restructure) {
      return function (v) {
        if (v === null || v === undefined) delete item[name]; else item[name] = v;
        if (restructure) changed(key + ":" + name); else saved();
      };
    };
    var ctl = function (name, testid) { return { class: "le-ctl", "data-key": key + ":" + name, "data-testid": testid }; };
    var parts = [];
    switch (item.type) {
      case "set_status":
        parts.push(labelled("Status", choice(config.statuses, item.status, ctl("status", "action-status"), set("status"))));
        break;
      case "change_weight":
        parts.push(labelled("Mode", choice([["add", "add"], ["subtract", "subtract"], ["set", "set to"]], item.mode,
          ctl("mode", "action-weight-mode"), set("mode"))));
        parts.push(labelled("Value", numberBox(item.value, ctl("value", "action-weight-value"), set("value"))));
        break;
      case "freeze":
        var until = Object.prototype.hasOwnProperty.call(item, "until");
        parts.push(labelled("Freeze", choice([["days", "for a number of days"], ["until", "until a date"]], until ? "until" : "days",
          ctl("freeze-mode", "action-freeze-mode"), function (v) {
            if (v === "until") { delete item.days; item.until = ""; } else { delete item.until; item.days = 1; }
            changed(key + ":freeze-mode");
          })));
        parts.push(until
          ? labelled("Until", h("input", { type: "date", class: "le-ctl", "data-key": key + ":until", "data-testid": "action-freeze-until",
            value: item.until || "", oninput: function (e) { item.until = e.target.value; saved(); } }))
          : labelled("Days", numberBox(item.days, ctl("days", "action-freeze-days"), set("days"))));
        break;
      case "assign":
        parts.push(labelled("To", choice([["event_agent", "the event's agent"], ["agent", "a named agent"]], item.to,
          ctl("to", "action-assign-to"), function (v) {
            item.to = v;
            if (v === "agent") item.agent = config.agents.length ? config.agents[0][0] : null; else delete item.agent;
            changed(key + ":to");
          })));
        if (item.to === "agent") parts.push(labelled("Agent", choice(config.agents, item.agent, ctl("agent", "action-agent"), set("agent"))));
        break;
      case "schedule_callback":
        parts.push(labelled("When", choice([["call_after", "at the submitted call-after time"], ["in_hours", "in a number of hours"],
          ["next_window", "at the next calling window"]], item.at, ctl("at", "action-callback-at"), function (v) {
          item.at = v;
          if (v === "in_hours") item.hours = item.hours === undefined ? 24 : item.hours; else delete item.hours;
          changed(key + ":at");
        })));
        if (item.at === "in_hours") parts.push(labelled("Hours", numberBox(item.hours, ctl("hours", "action-callback-hours"), set("hours"))));
        parts.push(labelled("Kind", choice([["personal", "personal"], ["general", "general"]], item.kind,
          ctl("kind", "action-callback-kind"), set("kind"))));
        break;
      case "add_dnc":
        parts.push(labelled("Scope", choice([["campaign", "this campaign"], ["tenant", "the whole tenant"]], item.scope,
          ctl("scope", "action-dnc-scope"), set("scope"))));
        parts.push(labelled("Expires after (days, empty = never)", numberBox(item.expires_days,
          ctl("expires", "action-dnc-days"), set("expires_days"))));
        break;
      case "move_campaign":
        parts.push(labelled("Campaign", choice(config.campaigns, item.campaign, ctl("campaign", "action-campaign"), set("campaign"))));
        parts.push(labelled("Status", choice([["by_name", "the status of the same name"], ["default", "the default status"]],
          item.status, ctl("status-map", "action-status-map"), set("status"))));
        break;
      case "set_field":
        var custom = typeof item.field === "string" && item.field.indexOf("custom.") === 0;
        var fields = config.columns.map(function (c) { return [c, c.replace(/_/g, " ")]; }).concat([["custom.", "custom field\u2026"]]);
        parts.push(labelled("Field", choice(fields, custom ? "custom." : item.field, ctl("field", "action-field"), function (v) {
          item.field = v;
          changed(key + ":" + (v === "custom." ? "custom-key" : "field"));
        })));
        if (custom) parts.push(labelled("Key", h("input", { type: "text", class: "le-ctl", "data-key": key + ":custom-key",
          "data-testid": "action-custom-key", value: item.field.slice(7), placeholder: "key",
          oninput: function (e) { item.field = "custom." + e.target.value.trim(); saved(); } })));
        parts.push(labelled("Value", h("input", { type: "text", class: "le-ctl", "data-key": key + ":value",
          "data-testid": "action-field-value", value: item.value === null || item.value === undefined ? "" : String(item.value),
          oninput: function (e) { item.value = e.target.value; saved(); } })));
        break;
      default:
        parts.push(h("span", { class: "muted small" }, "No settings."));
    }
    return parts;
  }

  function actionSpec(config) {
    return {
      noun: "action", Noun: "Action", ordered: true, errorRe: /^Action (\d+)\b/,
      empty: "No action yet: a rule needs at least one.",
      renderRow: function (item, index, changed, saved) {
        var key = "row" + index;
        var type = choice(config.actions, item.type, { class: "le-ctl le-type", "data-key": key + ":type",
          "data-testid": "action-type", "aria-label": "Action " + (index + 1) + " type" }, function (v) {
          var fresh = actionDefaults(v, config);
          Object.keys(item).forEach(function (k) { delete item[k]; });
          Object.keys(fresh).forEach(function (k) { item[k] = fresh[k]; });
          changed(key + ":type");
        });
        return h("div", { class: "le-params" }, [type].concat(actionParams(item, key, config, changed, saved)));
      },
      renderAdd: function (add) {
        var picker = h("select", { class: "le-ctl", "aria-label": "New action type", "data-testid": "new-action-type" },
          config.actions.map(function (a) { return h("option", { value: a[0] }, a[1]); }));
        return h("div", { class: "le-add" }, [picker, h("button", { type: "button", class: "btn btn-small", "data-key": "add",
          "data-testid": "add-action", onclick: function () { add(actionDefaults(picker.value, config)); } }, "+ Action")]);
      },
    };
  }

  // --- the page ----------------------------------------------------------------------

  function syncKind(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "event";
    form.querySelectorAll("[data-kind-section]").forEach(function (section) {
      section.hidden = section.getAttribute("data-kind-section") !== kind;
    });
  }

  function init() {
    var form = document.querySelector("[data-rule-form]");
    var script = document.getElementById("rule-editor-config");
    if (!form || !script) return;
    var config = JSON.parse(script.textContent);
    var triggers = form.querySelector("[data-triggers-editor]");
    var actions = form.querySelector("[data-actions-editor]");
    if (triggers) new ListEditor(triggers, triggerSpec(config));
    if (actions) new ListEditor(actions, actionSpec(config));
    form.querySelectorAll("input[name=kind]").forEach(function (radio) {
      radio.addEventListener("change", function () { syncKind(form); });
    });
    syncKind(form);
    // Enter in an editor's box would submit the whole form half-done.
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.closest(".list-editor")) event.preventDefault();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
