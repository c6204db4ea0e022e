// Lyceum's small shared script: the visitor's time zone, live notification counts,
// and closing open menus. Pages work without it; it only makes them livelier.
(function () {
  "use strict";

  // Visitors who are not signed in see times in the zone their browser reports (the
  // server reads the "tz" cookie). On the first visit the page was rendered before the
  // cookie existed: load it once more, so times are in the visitor's zone from the start.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var hadZone = /(?:^|;\s*)tz=/.test(document.cookie);
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;samesite=lax";
      var renderedIn = document.documentElement.getAttribute("data-visitor-time-zone");
      // replace(): a GET of the same address, never a resubmitted form.
      if (!hadZone && renderedIn && renderedIn !== zone) window.location.replace(window.location.href);
    }
    document.querySelectorAll("select[data-detect-time-zone]").forEach(function (select) {
      if (select.value === "UTC" && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    });
  } catch (e) { /* old browser: times stay in UTC */ }

  // Close a <details> menu on Escape or a click outside it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
    // A read-only field to copy (the calendar feed URL) selects itself when clicked.
    var field = event.target.closest && event.target.closest("[data-select-on-click]");
    if (field) field.select();
  });

  // One WebSocket per page keeps the bell's unread count live; it reconnects by itself.
  function setUnread(count) {
    document.querySelectorAll("[data-bell-count]").forEach(function (badge) {
      badge.textContent = count;
      badge.classList.toggle("hidden", !count);
    });
    document.querySelectorAll("[data-bell]").forEach(function (bell) {
      bell.setAttribute("aria-label", count ? "Notifications, " + count + " unread" : "Notifications");
    });
  }
  // While the socket is down the bell's count may be stale: say so on the bell.
  function setReconnecting(on) {
    document.querySelectorAll("[data-bell]").forEach(function (bell) {
      var label = (bell.getAttribute("aria-label") || "Notifications").replace(/ \(reconnecting…\)$/, "");
      bell.setAttribute("aria-label", on ? label + " (reconnecting…)" : label);
      bell.title = on ? "Reconnecting…" : "";
    });
  }

  var socketPath = document.body && document.body.dataset.userSocket;
  if (!socketPath || !("WebSocket" in window)) return;
  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + socketPath);
    socket.addEventListener("open", function () { delay = 1000; setReconnecting(false); });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "notifications.unread") setUnread(data.count);
      document.dispatchEvent(new CustomEvent("lyceum:socket", { detail: data }));
    });
    socket.addEventListener("close", function () {
      setReconnecting(true);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
    window.lyceumSocket = socket;
  }
  connect();
})();
