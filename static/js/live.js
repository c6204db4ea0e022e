// Live classes: refresh booking fragments when a class changes (the shared page socket),
// count down to each class, and enable "Join" 10 minutes before the start.
// Pages work without it: the server renders the same state on every load.
(function () {
  "use strict";
  if (window.lyceumLive) return; // several panels may include this script
  window.lyceumLive = true;

  function announce(detail) {
    // Every fragment with hx-trigger="live:booking from:body" reloads itself.
    if (window.htmx) window.htmx.trigger(document.body, "live:booking", detail);
  }

  // The shared page socket (static/js/lyceum.js) forwards our events.
  document.addEventListener("lyceum:socket", function (event) {
    if (event.detail && event.detail.type === "live.booking") announce(event.detail);
  });

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.dataset.countdown) - now;
      if (isNaN(ms)) return;
      if (ms <= 0) { el.textContent = "Happening now"; return; }
      var minutes = Math.floor(ms / 60000), days = Math.floor(minutes / 1440);
      var hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
      var parts = days ? [plural(days, "day"), plural(hours, "hour")] : hours ? [plural(hours, "hour"), plural(mins, "minute")] : [plural(mins, "minute")];
      el.textContent = "Starts in " + parts.join(" ");
    });
    document.querySelectorAll("[data-join-opens]").forEach(function (button) {
      if (button.disabled && Date.parse(button.dataset.joinOpens) <= now) {
        button.disabled = false;
        button.removeAttribute("aria-describedby");
        var help = button.parentNode.querySelector("[data-join-help]");
        if (help) help.remove();
      }
    });
  }

  function start() {
    tick();
    setInterval(tick, 15000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
