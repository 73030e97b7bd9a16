// Progressive enhancement only: the running timer's elapsed time ticks (h:mm) without reloads.
(function () {
  "use strict";
  var clocks = document.querySelectorAll("time.timer-elapsed[data-started]");
  if (!clocks.length) return;
  function show() {
    var now = Date.now();
    clocks.forEach(function (el) {
      var started = Date.parse(el.getAttribute("data-started"));
      if (isNaN(started)) return;
      var minutes = Math.max(0, Math.floor((now - started) / 60000));
      var text = Math.floor(minutes / 60) + ":" + ("0" + (minutes % 60)).slice(-2);
      if (el.textContent !== text) el.textContent = text;
    });
  }
  show();
  window.setInterval(show, 15000);
})();
