// Lyceum's small shared script: the visitor's time zone, live notification counts,
// closing open menus, and focus and announcements after HTMX swaps. Pages work without it; it only makes them livelier.
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

  // A video loads only when asked (templates/includes/video_player.html): its player's
  // <iframe> waits in a <template>, and Play swaps it in, playing, with focus on it.
  document.addEventListener("click", function (event) {
    var play = event.target.closest && event.target.closest("[data-video-play]");
    var box = play && play.closest("[data-video]");
    if (!box) return;
    var frame = document.importNode(box.querySelector("template").content, true).querySelector("iframe");
    frame.src += (frame.src.indexOf("?") === -1 ? "?" : "&") + "autoplay=1";
    box.replaceChildren(frame);
    frame.focus();
  });

  // After an HTMX swap, say what changed and keep the keyboard user's place. Swapped content
  // marks its new status or result with data-announce (and tabindex="-1"): its text goes to
  // base.html's polite live region #announcer (never itself swapped), and when the swap
  // removed the focused control, focus moves to it. Without a data-announce, a swap that
  // removed the focused control moves focus to its status or alert, else to the new content
  // itself. A data-announce="…" value is read instead of the element's text. A page loaded
  // after a form post moves focus to its first message (includes/messages.html).
  var announcing = null;
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    clearTimeout(announcing);
    // Emptied first, then filled: the same words said twice in a row are read twice. Emptied
    // again a while later, so no stale words wait at the top of the page for a reading cursor.
    announcing = setTimeout(function () {
      region.textContent = text;
      announcing = setTimeout(function () { region.textContent = ""; }, 5000);
    }, 50);
  }
  function spokenText(element) {
    if (element.getAttribute("data-announce")) return element.getAttribute("data-announce");
    var copy = element.cloneNode(true);
    copy.querySelectorAll("[aria-hidden=true]").forEach(function (hidden) { hidden.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }
  function firstSaying(root, selector) {
    var found = root.matches(selector) ? [root] : [];
    found = found.concat(Array.prototype.slice.call(root.querySelectorAll(selector)));
    for (var i = 0; i < found.length; i++) if (spokenText(found[i])) return found[i];
    return null;
  }
  function inDocumentOrder(a, b) {
    return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  }
  function announceIn(roots, lost, quietly) {
    roots = roots.filter(function (root) { return root.isConnected && root.querySelector; }).sort(inDocumentOrder);
    var targets = [];
    roots.forEach(function (root) {
      var target = firstSaying(root, "[data-announce]") || (lost && firstSaying(root, "[role=alert], [role=status]"));
      if (target && targets.indexOf(target) === -1) targets.push(target);
    });
    targets.sort(inDocumentOrder);
    var into = targets[0] || roots[0];
    if (lost && into) {
      if (!into.hasAttribute("tabindex")) into.setAttribute("tabindex", "-1");
      into.focus();
    }
    if (!quietly) announce(targets.map(spokenText).join(" "));
  }
  // An upload's progress, on the <progress data-upload-progress> of the form sending it.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form");
    var bar = form && form.querySelector("[data-upload-progress]");
    if (!bar || !event.detail.lengthComputable) return;
    bar.classList.remove("hidden");
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
  // htmx settles each swapped element (out-of-band ones too) in one go: gather them, then act once.
  // Focus counts as lost only when this swap removed the focused element (not when nothing had focus).
  var focusedBeforeSwap = null;
  document.addEventListener("htmx:beforeSwap", function () { focusedBeforeSwap = document.activeElement; });
  var settled = [];
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!settled.length) {
      setTimeout(function () {
        var removed = focusedBeforeSwap && focusedBeforeSwap !== document.body && !focusedBeforeSwap.isConnected;
        focusedBeforeSwap = null;
        announceIn(settled.splice(0), Boolean(removed) && focusLost());
      }, 0);
    }
    settled.push(event.target);
  });
  // A refresh (a GET swap, such as a live update) keeps the reader's place: the disclosures they
  // opened, what they typed and their focus carry over to the new content, matched by id; so
  // does the answer to their last action ([data-keep-on-refresh]) if the new content has none.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target, config = event.detail.requestConfig;
    if (!target || !config || config.verb !== "get") return;
    var active = document.activeElement;
    kept = {
      open: Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (el) { return el.id; }),
      typed: Array.prototype.filter.call(target.querySelectorAll("input[id], textarea[id]"), function (el) {
        return el.type !== "hidden" && el.type !== "checkbox" && el.type !== "radio" && el.value !== el.defaultValue;
      }).map(function (el) { return [el.id, el.value]; }),
      focus: active && active.id && target.contains(active) ? active.id : null,
      answers: Array.prototype.filter.call(target.querySelectorAll("[data-keep-on-refresh][id]"), function (el) {
        return el.parentElement && el.parentElement.id;
      }).map(function (el) {
        var index = Array.prototype.indexOf.call(el.parentElement.children, el);
        return { id: el.id, into: el.parentElement.id, index: index, html: el.outerHTML };
      }),
    };
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!kept) return;
    var place = kept;
    kept = null;
    place.open.forEach(function (id) {
      var el = document.getElementById(id);
      if (el && el.tagName === "DETAILS") el.open = true;
    });
    place.typed.forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      if (el && "value" in el) el.value = pair[1];
    });
    place.answers.forEach(function (answer) {
      var into = document.getElementById(answer.into);
      if (!into || document.getElementById(answer.id)) return;
      var copy = document.createElement("template");
      copy.innerHTML = answer.html;
      into.insertBefore(copy.content.firstElementChild, into.children[answer.index] || null);
    });
    var focus = place.focus && document.getElementById(place.focus);
    if (focus) focus.focus();
  });
  function announceMessages() {
    var messages = document.getElementById("messages");
    // Focus alone: the message is read where it is, and a new page is no change to announce.
    if (messages && messages.querySelector("[data-announce]")) announceIn([messages], focusLost(), true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", announceMessages);
  else announceMessages();

  // One WebSocket per page keeps the bell's unread count live; it reconnects by itself.
  // The bell's label is built from its state (in the page's language, Django's JavaScript catalog),
  // starting from the count the page was rendered with.
  var bellCount = document.querySelector("[data-bell-count]");
  var unread = bellCount ? parseInt(bellCount.textContent, 10) || 0 : 0;
  var reconnecting = false;
  function labelBell() {
    var label = unread
      ? interpolate(ngettext("Notifications, %(count)s unread", "Notifications, %(count)s unread", unread), { count: unread }, true)
      : gettext("Notifications");
    document.querySelectorAll("[data-bell]").forEach(function (bell) {
      bell.setAttribute("aria-label", reconnecting ? interpolate(gettext("%(label)s (reconnecting…)"), { label: label }, true) : label);
      bell.title = reconnecting ? gettext("Reconnecting…") : "";
    });
  }
  function setUnread(count) {
    unread = count;
    document.querySelectorAll("[data-bell-count]").forEach(function (badge) {
      badge.textContent = count;
      badge.classList.toggle("hidden", !count);
    });
    labelBell();
  }
  // While the socket is down the bell's count may be stale: say so on the bell.
  function setReconnecting(on) {
    reconnecting = on;
    labelBell();
  }

  var socketPath = document.body && document.body.dataset.userSocket;
  if (!socketPath || !("WebSocket" in window)) return;
  var delay = 1000;
  // What this page is about, for its live updates (lms/infra/realtime.py: topics).
  var topics = Array.prototype.map.call(document.querySelectorAll("[data-socket-topic]"), function (el) {
    return "topic=" + encodeURIComponent(el.dataset.socketTopic);
  });
  var topicQuery = topics.length ? "?" + topics.join("&") : "";
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + socketPath + topicQuery);
    socket.addEventListener("open", function () {
      delay = 1000;
      setReconnecting(false);
      // Pages that show live data catch up on what they missed while the socket was down.
      document.dispatchEvent(new CustomEvent("lyceum:socket-open"));
    });
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
