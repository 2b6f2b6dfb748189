// The agent workspace: state switch, next lead → call → dial result → feedback, talking
// to the dialing JSON API with the session and the CSRF token. Hand-written, no library.
(function () {
  "use strict";
  var root = document.querySelector("[data-workspace]");
  if (!root) return;
  var data = JSON.parse(document.getElementById("ws-data").textContent);
  var csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}"))["X-CSRFToken"];
  var $ = function (sel) { return root.querySelector(sel); };
  var message = $("[data-ws-message]"), card = $("[data-ws-card]"), callBtn = $("[data-ws-call]");
  var nextBtn = $("[data-ws-next]"), results = $("[data-ws-results]"), form = $("[data-ws-feedback]");
  var countdown = $("[data-ws-countdown]"), feedbackError = $("[data-ws-feedback-error]");
  var current = null, call = null, timer = null;

  function api(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var detail = json.detail;
          if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join("; ");
          var error = new Error(detail || ("Request failed (" + response.status + ")"));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  function say(text, isError) {
    message.textContent = text || "";
    message.classList.toggle("error", !!isError);
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }

  function reset() {
    current = null; call = null;
    if (timer) { clearInterval(timer); timer = null; }
    card.hidden = true; card.textContent = "";
    callBtn.hidden = true; results.hidden = true; form.hidden = true;
    nextBtn.disabled = false;
  }

  function renderCard(claim) {
    var lead = claim.lead;
    card.textContent = "";
    card.appendChild(el("h2", (lead.first_name + " " + lead.last_name).trim() || "Lead " + lead.id));
    var dl = el("dl", null, "ws-fields");
    function row(label, value) {
      if (value === undefined || value === null || value === "") return;
      dl.appendChild(el("dt", label)); dl.appendChild(el("dd", value));
    }
    row("Phone", lead.phone);
    row("Campaign", lead.campaign);
    row("Country", [lead.country, lead.region].filter(Boolean).join(" / "));
    row("Weight", lead.weight);
    if (lead.callback_at) row("Callback", when(lead.callback_at) + (lead.callback_kind ? " (" + lead.callback_kind + ")" : ""));
    if (claim.origin) row("Why this lead", claim.origin);
    Object.keys(lead.custom_fields || {}).forEach(function (key) { row(key, lead.custom_fields[key]); });
    row("Lease until", when(claim.lease_expires_at));
    card.appendChild(dl);
    var history = (claim.history && claim.history.calls) || [];
    var events = (claim.history && claim.history.events) || [];
    card.appendChild(el("h3", "History"));
    var list = el("ul", null, "ws-history");
    history.forEach(function (c) {
      list.appendChild(el("li", when(c.started_at) + " · call · " + (c.dial_result || "—") + (c.comment ? " · " + c.comment : "")));
    });
    events.forEach(function (e) {
      list.appendChild(el("li", when(e.at) + " · " + e.kind + (e.rule ? " · " + e.rule : "")));
    });
    if (!history.length && !events.length) list.appendChild(el("li", "No history yet.", "muted"));
    card.appendChild(list);
    card.hidden = false;
  }

  nextBtn.addEventListener("click", function () {
    reset();
    nextBtn.disabled = true;
    say("Looking for a lead…");
    api("/api/agent/next-lead").then(function (claim) {
      nextBtn.disabled = false;
      if (!claim.lead) { say("No lead is available for you right now."); return; }
      current = claim;
      say("");
      renderCard(claim);
      callBtn.hidden = false;
    }).catch(function (error) { nextBtn.disabled = false; say(error.message, true); });
  });

  callBtn.addEventListener("click", function () {
    if (!current) return;
    callBtn.disabled = true;
    api("/api/agent/calls", { lead_id: current.lead.id, lease_token: current.lease_token })
      .then(function (started) {
        call = started; callBtn.hidden = true; callBtn.disabled = false;
        nextBtn.disabled = true; results.hidden = false;
        say("Calling " + current.lead.phone + "…");
      }).catch(function (error) { callBtn.disabled = false; say(error.message, true); });
  });

  results.addEventListener("click", function (event) {
    var button = event.target.closest("[data-result]");
    if (!button || !call) return;
    api("/api/agent/calls/" + call.id + "/result", { dial_result: button.getAttribute("data-result") })
      .then(function (ended) { call = ended; results.hidden = true; say(""); showFeedback(); })
      .catch(function (error) { say(error.message, true); });
  });

  function statusInfo(id) { return data.statuses[String(id)] || { required: [] }; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localInput(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function syncStatus() {
    var select = form.elements.status_id;
    var option = select.options[select.selectedIndex];
    var status = option ? current.statuses_allowed[Number(option.getAttribute("data-index"))] : null;
    var required = status ? statusInfo(status.id).required : [];
    ["comment", "date", "call_after"].forEach(function (name) {
      var field = form.querySelector('[data-ws-field="' + name + '"]');
      field.classList.toggle("is-required", required.indexOf(name) >= 0);
      field.querySelector("input, textarea").required = required.indexOf(name) >= 0;
    });
    var callAfter = form.querySelector('[data-ws-field="call_after"]');
    var allowed = !!(status && status.allow_call_after);
    callAfter.hidden = !allowed;
    var input = form.elements.call_after, help = form.querySelector("[data-ws-call-after-help]");
    var now = new Date();
    input.min = localInput(now);
    if (allowed && status.max_call_after_days) {
      input.max = localInput(new Date(now.getTime() + status.max_call_after_days * 86400000));
      help.textContent = "At most " + status.max_call_after_days + " days ahead.";
    } else { input.removeAttribute("max"); help.textContent = ""; }
    if (!allowed) input.value = "";
  }

  function showFeedback() {
    var select = form.elements.status_id;
    select.textContent = "";
    current.statuses_allowed.forEach(function (s, i) {
      var option = el("option", s.name); option.value = s.id; option.setAttribute("data-index", i);
      select.appendChild(option);
    });
    form.reset();
    feedbackError.textContent = "";
    syncStatus();
    form.hidden = false;
    var campaign = data.campaigns[String(current.lead.campaign_id)] || {};
    // The server's clock starts the timeout when the call ends, which is the moment its
    // answer arrived: count from our receipt so a skewed browser clock does not matter.
    var deadline = Date.now() + (campaign.feedback_timeout_seconds || 0) * 1000;
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      countdown.textContent = "Feedback within " + Math.floor(left / 60) + ":" + pad(left % 60);
      countdown.classList.toggle("error", left <= 10);
      if (left <= 0) { clearInterval(timer); timer = null; countdown.textContent = "Feedback time is over."; }
    }
    if (campaign.feedback_timeout_seconds) { tick(); timer = setInterval(tick, 1000); }
    else countdown.textContent = "";
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "status_id") syncStatus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!call || !current) return;
    var body = { lease_token: current.lease_token, status_id: Number(form.elements.status_id.value),
                 comment: form.elements.comment.value };
    if (form.elements.date.value) body.date = form.elements.date.value;
    if (form.elements.call_after.value) body.call_after = new Date(form.elements.call_after.value).toISOString();
    api("/api/agent/calls/" + call.id + "/feedback", body).then(function () {
      reset();
      say("Feedback saved. Ready for the next lead.");
      refreshCallbacks();
    }).catch(function (error) {
      if (error.status === 409) { reset(); say(error.message, true); return; }
      feedbackError.textContent = error.message;
    });
  });

  function refreshCallbacks() {
    var box = $("[data-ws-callbacks]");
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; });
  }

  var stateSelect = document.querySelector("[data-ws-state]");
  if (stateSelect) stateSelect.addEventListener("change", function () {
    api("/api/agent/state", { state: stateSelect.value }).then(function (out) {
      say(out.is_online ? "You are online: leads can come to you." : "On a break (" + out.state + "): no leads.");
    }).catch(function (error) { say(error.message, true); });
  });
})();
