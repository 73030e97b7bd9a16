// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions (archive, delete) on forms marked data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // "/" focuses the search box, as in many web apps (not while typing in a field).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return;
    var search = document.querySelector("[data-shortcut='/']");
    if (search) {
      event.preventDefault();
      search.focus();
    }
  });
  // A form cannot be sent twice by a double click: its buttons wait for the next page.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var form = event.target;
    if (form.method && form.method.toLowerCase() === "post") {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });
  // The list's bulk bar: "select all" and how many are selected (again after a live refresh).
  function bulkBars(root) {
    root.querySelectorAll("form[data-bulk]").forEach(bulkBar);
  }
  function bulkBar(form) {
    var all = form.querySelector("[data-select-all]");
    var boxes = form.querySelectorAll("input[name=ids]");
    var count = form.querySelector(".bulk-count");
    function show() {
      var n = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      if (count) count.textContent = n ? n + " selected" : "";
      if (all) all.checked = n > 0 && n === boxes.length;
    }
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        show();
      });
    }
    boxes.forEach(function (b) { b.addEventListener("change", show); });
    show();
  }
  bulkBars(document);
  // Search suggestions: tag names and titles while typing (the search works without them).
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";
    if (!list || !window.fetch) return;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === asked) return;
        asked = q;
        var url = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q);
        window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { items: [] }; })
          .then(function (body) {
            if (q !== asked) return;
            list.textContent = "";
            body.items.forEach(function (text) {
              var option = document.createElement("option");
              option.value = text;
              list.appendChild(option);
            });
          })
          .catch(function () { /* no suggestions: the search still works */ });
      }, 150);
    });
  });
  // Live updates (ADR 0023): the task list and a task's page follow the user's events through
  // /live (the web relays the API's stream with the session's token; the page never sees a
  // token). An event that concerns the page fetches the page again and swaps its live region;
  // the filters, the selection, the focus and the scroll position stay. While the user is
  // typing in the region, the change is offered instead of applied.
  (function live() {
    var region = document.querySelector("[data-live]");
    if (!region || !window.EventSource || !window.fetch || !window.DOMParser) return;
    var kind = region.getAttribute("data-live");
    var taskId = region.getAttribute("data-task-id");
    var me = region.getAttribute("data-me");
    var note = document.querySelector("[data-live-note]");
    var url = region.getAttribute("data-live-url");
    var busy = false;
    var again = null;
    var wait = 30000;

    function quote(text) {
      return window.CSS && window.CSS.escape ? window.CSS.escape(text) : text.replace(/[^\w-]/g, "");
    }
    function concerns(envelope) {
      var data = envelope.data || {};
      if (kind === "task") {
        return data.task_id === taskId || data.parent_task_id === taskId;
      }
      // A comment changes no row; any other change may add, move or drop one.
      return envelope.type !== "tasks.task.commented.v1";
    }
    function say(text, button) {
      if (!note) return;
      note.textContent = text;
      if (button) note.appendChild(button);
    }
    function typing() {
      var active = document.activeElement;
      if (active && region.contains(active) && /^(TEXTAREA|SELECT)$|^INPUT$/.test(active.tagName) &&
          !/^(checkbox|radio|submit|button|hidden)$/.test(active.type)) {
        return true;
      }
      return Array.prototype.some.call(region.querySelectorAll("textarea, input[type=text]"),
        function (field) { return field.value !== field.defaultValue; });
    }
    function remember() {
      var state = { checked: {}, values: {}, focus: null };
      region.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) {
        state.checked[box.value] = box.checked;
      });
      region.querySelectorAll("select[id], textarea[id], input[type=text][id]").forEach(function (field) {
        state.values[field.id] = field.value;
      });
      var active = document.activeElement;
      if (active && region.contains(active)) {
        state.focus = active.id ? "#" + quote(active.id)
          : active.name === "ids" ? "input[name=ids][value='" + quote(active.value) + "']" : null;
      }
      return state;
    }
    function restore(state) {
      region.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) {
        if (state.checked[box.value]) box.checked = true;
      });
      Object.keys(state.values).forEach(function (id) {
        var field = document.getElementById(id);
        if (field && region.contains(field)) field.value = state.values[id];
      });
      var focus = state.focus && region.querySelector(state.focus);
      if (focus) focus.focus({ preventScroll: true });
    }
    function swap(fresh, doc) {
      var state = remember();
      var x = window.scrollX, y = window.scrollY;
      region.replaceWith(fresh);
      region = fresh;
      restore(state);
      bulkBars(region);
      document.querySelectorAll(".count[data-status]").forEach(function (count) {
        var now = doc.querySelector(".count[data-status='" + count.getAttribute("data-status") + "']");
        if (now) count.textContent = now.textContent;
      });
      document.title = doc.title;
      window.scrollTo(x, y);
    }
    function actorName(doc, envelope) {
      var id = (envelope.data || {}).actor_id;
      if (!id) return "";
      if (id === me) return "you";
      var actor = doc.querySelector(".actor[data-user='" + quote(String(id)) + "']");
      return actor ? actor.textContent.trim() : "";
    }
    function told(envelope, doc) {
      if (!envelope.type) return "";  // a catch-up after a pause, not one change
      var who = actorName(doc, envelope);
      var title = (envelope.data || {}).title;
      var when = new Date().toLocaleTimeString();
      if (kind === "task") {
        return "This task was updated" + (who ? " by " + who : "") + " at " + when + ".";
      }
      return "The list was updated at " + when + (title ? " (“" + title + "”)" : "") + ".";
    }
    function refresh(envelope) {
      if (busy) { again = envelope; return; }
      busy = true;
      window.fetch(window.location.href, {
        credentials: "same-origin",
        headers: { "X-Live-Refresh": "1", Accept: "text/html" }
      })
        .then(function (response) {
          if (response.status === 404) {
            say("This task was archived, deleted or is no longer shared with you.");
            return null;
          }
          // Signed out (a redirect to the sign-in page) or a failure: leave the page as it is.
          return response.ok && !response.redirected ? response.text() : null;
        })
        .then(function (html) {
          if (html === null) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("[data-live]");
          if (!fresh) return;
          var text = told(envelope, doc);
          if (!typing()) {
            swap(fresh, doc);
            say(text);
            return;
          }
          var show = document.createElement("button");
          show.type = "button";
          show.className = "link-button";
          show.textContent = "Show the changes";
          show.addEventListener("click", function () { swap(fresh, doc); say(text); });
          say(text + " You are editing: your text stays until you choose.", show);
        })
        .catch(function () { /* the next event tries again; the page still works */ })
        .then(function () {
          busy = false;
          if (again) { var next = again; again = null; refresh(next); }
        });
    }
    function follow() {
      var source = new EventSource(url);
      source.onopen = function () {
        wait = 30000;
        document.documentElement.setAttribute("data-live-state", "open");
      };
      source.onmessage = function (message) {
        var envelope;
        try { envelope = JSON.parse(message.data); } catch (e) { return; }
        if (concerns(envelope)) refresh(envelope);
      };
      source.onerror = function () {
        // EventSource reconnects by itself (resuming with Last-Event-ID) unless the server
        // refused for good (204, 503): then follow again later and catch up once.
        if (source.readyState !== EventSource.CLOSED) return;
        document.documentElement.setAttribute("data-live-state", "closed");
        window.setTimeout(function () {
          refresh({ type: "", data: {} });
          follow();
        }, wait);
        wait = Math.min(wait * 2, 600000);
      };
    }
    follow();
  })();
})();
