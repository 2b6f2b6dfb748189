// Small behaviours of the back office; everything else is plain HTML forms and htmx.
(function () {
  "use strict";

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // --- All Campaigns: "Expand All" opens every campaign group (and collapses them again).
  function syncExpandAllLabel() {
    var button = document.querySelector("[data-expand-all]");
    if (!button) return;
    var anyClosed = Array.prototype.some.call(document.querySelectorAll("details.group"),
      function (g) { return !g.open; });
    button.textContent = anyClosed ? "Expand All" : "Collapse All";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-expand-all]");
    if (!button) return;
    var groups = document.querySelectorAll("details.group");
    var anyClosed = Array.prototype.some.call(groups, function (g) { return !g.open; });
    groups.forEach(function (g) { g.open = anyClosed; });
    button.textContent = anyClosed ? "Collapse All" : "Expand All";
  });

  // --- Menus (<details class="menu">): one open at a time, closed by a click elsewhere or
  // Escape, and opened upwards when there is no room below (the last rows of the page).
  document.addEventListener("click", function (event) {
    each("details.menu[open]", document, function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    each("details.menu[open]", document, function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) summary.focus();
    });
  });

  function placeMenu(menu) {
    var items = menu.querySelector(".menu-items");
    if (!items) return;
    menu.classList.remove("menu-up");
    if (menu.closest(".topbar")) return;
    var margin = 8;
    var box = items.getBoundingClientRect();
    if (box.bottom <= window.innerHeight - margin) return;
    var topbar = document.querySelector(".topbar");
    var ceiling = topbar ? topbar.getBoundingClientRect().bottom : 0;
    var summaryTop = menu.querySelector("summary").getBoundingClientRect().top;
    var roomAbove = summaryTop - ceiling - margin;
    var roomBelow = window.innerHeight - box.top - margin;
    if (roomAbove >= box.height || roomAbove > roomBelow) menu.classList.add("menu-up");
  }
  // "toggle" does not bubble; listen in the capture phase to see every <details>.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement)) return;
    if (details.classList.contains("menu") && details.open) placeMenu(details);
    if (details.classList.contains("group")) syncExpandAllLabel();
  }, true);

  // --- Dual list: clicking a campaign moves it between "Available" and "In this group";
  // hidden inputs mirror the right-hand box so the form posts plain campaign_ids.
  function initDualList(root) {
    var available = root.querySelector("[data-duallist-available]");
    var selected = root.querySelector("[data-duallist-selected]");
    var filter = root.querySelector("[data-duallist-filter]");
    var form = root.closest("form");
    var inputs = form.querySelector("[data-duallist-inputs]");
    var availableCount = root.querySelector('[data-duallist-count="available"]');
    var selectedCount = root.querySelector('[data-duallist-count="selected"]');

    function syncInputs() {
      inputs.innerHTML = "";
      selected.querySelectorAll("button[data-campaign-id]").forEach(function (b) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "campaign_ids"; input.value = b.dataset.campaignId;
        inputs.appendChild(input);
      });
    }
    function syncCounts() {
      var total = available.querySelectorAll("li").length;
      var shown = available.querySelectorAll("li:not([hidden])").length;
      if (availableCount) availableCount.textContent = shown === total ? String(total) : shown + " of " + total;
      if (selectedCount) selectedCount.textContent = String(selected.querySelectorAll("li").length);
    }
    function applyFilter() {
      var needle = (filter.value || "").trim().toLowerCase();
      available.querySelectorAll("li").forEach(function (li) {
        li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) === -1;
      });
      selected.querySelectorAll("li").forEach(function (li) { li.hidden = false; });
      syncCounts();
    }
    function byName(a, b) {
      return a.textContent.localeCompare(b.textContent, undefined, { sensitivity: "base" });
    }
    root.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-campaign-id]");
      if (!button) return;
      var li = button.parentElement;
      var target = li.parentElement === available ? selected : available;
      // Keep both boxes in alphabetical order, as the page first lists them.
      var next = Array.prototype.find.call(target.children, function (other) { return byName(li, other) < 0; });
      target.insertBefore(li, next || null);
      button.title = target === selected ? "Remove from this group" : "Add to this group";
      syncInputs(); applyFilter();
    });
    filter.addEventListener("input", applyFilter);
    // Enter in the filter must not submit the form half-done.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    syncCounts();
  }

  // --- Campaign form: closed days look closed, the caller-ID field not in use is dimmed,
  // and the section index follows the scroll and flags sections with errors.
  function initCampaignForm(form) {
    each("[data-hours-row]", form, function (row) {
      var open = row.querySelector("input[type=checkbox]");
      if (!open) return;
      var sync = function () { row.classList.toggle("is-closed", !open.checked); };
      open.addEventListener("change", sync);
      sync();
    });

    var mode = form.querySelector("select[name=caller_id_mode]");
    var fixed = form.querySelector('[data-for="caller_id_number"]');
    var pool = form.querySelector('[data-for="caller_id_pool_text"]');
    if (mode && fixed && pool) {
      var syncMode = function () {
        fixed.classList.toggle("is-irrelevant", mode.value !== "fixed");
        pool.classList.toggle("is-irrelevant", mode.value === "fixed");
      };
      mode.addEventListener("change", syncMode);
      syncMode();
    }
    var masking = form.querySelector("input[name=mask_phones]");
    if (masking) {
      var syncMask = function () {
        each('[data-for="mask_show"], [data-for="mask_digits"]', form, function (f) {
          f.classList.toggle("is-irrelevant", !masking.checked);
        });
      };
      masking.addEventListener("change", syncMask);
      syncMask();
    }
  }

  function initScrollSpy(nav) {
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#']"));
    var sections = links.map(function (a) { return document.querySelector(a.getAttribute("href")); });
    links.forEach(function (a, i) {
      if (sections[i] && sections[i].querySelector(".error, .has-error")) a.classList.add("has-error");
    });
    function update() {
      var line = window.innerHeight * 0.35;
      var current = 0;
      sections.forEach(function (s, i) { if (s && s.getBoundingClientRect().top <= line) current = i; });
      // At the very bottom the last section is the current one, however short it is.
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) {
        current = sections.length - 1;
      }
      links.forEach(function (a, i) { a.classList.toggle("is-current", i === current); });
    }
    window.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  // --- Copy buttons (the one-time API key).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }, function () { /* no clipboard permission: the text stays selectable */ });
  });

  // --- A link to one campaign (/campaigns/#campaign-12) opens its group and shows the row.
  function revealLinkedCampaign() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    var group = target && target.closest("details.group");
    if (!group) return;
    group.open = true;
    target.scrollIntoView({ block: "center" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    revealLinkedCampaign();
    each("[data-duallist]", document, initDualList);
    each("[data-campaign-form]", document, initCampaignForm);
    each("[data-scrollspy]", document, initScrollSpy);
    syncExpandAllLabel();
  });
})();
