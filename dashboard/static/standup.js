// Stand-up clocks: the server sends instants (data-started-at, data-ended-at, in ms since the
// epoch) and timeboxes (data-timebox, seconds); the browser only counts. The offset between the
// server's clock (data-server-now) and this one is applied, so two screens show the same time.
(function () {
  "use strict";
  var AMBER = 1.0, RED = 1.5;

  function offset() {
    var live = document.getElementById("standup-live");
    if (!live || !live.dataset.serverNow) return 0;
    if (live.dataset.offset === undefined) {
      live.dataset.offset = String(Number(live.dataset.serverNow) - Date.now());
    }
    return Number(live.dataset.offset);
  }

  function mmss(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var now = Date.now() + offset();
    document.querySelectorAll(".timer[data-started-at]").forEach(function (timer) {
      var end = timer.dataset.endedAt ? Number(timer.dataset.endedAt) : now;
      var elapsed = (end - Number(timer.dataset.startedAt)) / 1000;
      var box = Number(timer.dataset.timebox || 0);
      timer.textContent = mmss(elapsed);
      var holder = timer.closest(".agenda-item") || timer;
      var ratio = box > 0 ? elapsed / box : (elapsed > 0 ? Infinity : 0);
      holder.classList.toggle("over-red", ratio > RED);
      holder.classList.toggle("over-amber", ratio > AMBER && ratio <= RED);
      // The current item says how far over it is, in words as well as in colour.
      var over = holder.querySelector(".overtime");
      if (over) {
        var seconds = Math.floor(elapsed) - box;
        over.hidden = seconds <= 0;
        if (seconds > 0) over.textContent = over.dataset.label.replace("{}", mmss(seconds));
      }
    });
  }

  // A poll that swaps the agenda (another screen ended, reopened or moved the meeting, or the undo
  // window closed) keeps the keyboard's place: the same control again if it is still there (by id,
  // or the form it posts), else the agenda itself — never <body>. Posting controls are huddle.js's.
  // Only the agenda's own swaps count: the panels' swap that follows (standup-changed) may come
  // between the agenda's swap and its settle, and must not make it forget the place.
  var kept = null;
  function isLive(evt) {
    return evt.detail.target && evt.detail.target.id === "standup-live";
  }
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (!isLive(evt)) return;
    var live = evt.detail.target;
    var active = document.activeElement;
    kept = null;
    if (active && live.contains(active)) {
      kept = { id: active.id, action: active.form ? active.form.getAttribute("action") : null };
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (!isLive(evt)) return;
    var was = kept;
    kept = null;
    var active = document.activeElement;
    if (!was || (active && active !== document.body && active.isConnected)) return;
    var live = document.getElementById("standup-live");
    var again = (was.id && document.getElementById(was.id)) ||
      (was.action && live && Array.prototype.filter.call(live.querySelectorAll("form"), function (f) {
        return f.getAttribute("action") === was.action;
      }).map(function (f) { return f.querySelector("button, input:not([type=hidden])"); })[0]);
    if (!again && live) again = live;
    // The agenda itself takes the focus only with a tabindex; a new copy of it (the next poll's
    // swap, while the focus rests on it) comes without one and would leave the focus on <body>.
    if (again === live) live.setAttribute("tabindex", "-1");
    if (again) again.focus();
  });

  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
})();
