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

  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
})();
