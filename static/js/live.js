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

  // Literal strings in each call, so makemessages finds them.
  function days(n) { return interpolate(ngettext("%(n)s day", "%(n)s days", n), { n: n }, true); }
  function hours(n) { return interpolate(ngettext("%(n)s hour", "%(n)s hours", n), { n: n }, true); }
  function minutes(n) { return interpolate(ngettext("%(n)s minute", "%(n)s minutes", n), { n: n }, true); }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.dataset.countdown) - now;
      if (isNaN(ms)) return;
      if (ms <= 0) { el.textContent = gettext("Happening now"); return; }
      var total = Math.floor(ms / 60000);
      var d = Math.floor(total / 1440), h = Math.floor((total % 1440) / 60), m = total % 60;
      // One sentence per shape, so each language can order the parts its own way.
      el.textContent = d
        ? interpolate(gettext("Starts in %(days)s %(hours)s"), { days: days(d), hours: hours(h) }, true)
        : h
          ? interpolate(gettext("Starts in %(hours)s %(minutes)s"), { hours: hours(h), minutes: minutes(m) }, true)
          : interpolate(gettext("Starts in %(minutes)s"), { minutes: minutes(m) }, true);
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
