// Lyceum chat: live messages over a WebSocket, with catch-up after a reconnect.
// No framework. A message arrives as the HTML the server renders for the page
// (templates/chat/conversation.html#message): this script inserts it, and never builds
// message markup itself. Other text (names, announcements) is set with textContent.
// Without this script the page still works: the form posts and the page re-renders.
// Its own words come from Django's JavaScript catalog (gettext, ngettext, interpolate: base.html
// loads it first), in the page's language; times shown are the server's, rendered in the HTML.
(function () {
  "use strict";
  // base.html loads this on every page of a signed-in user; never run it twice.
  if (window.lyceumChatLoaded) return;
  window.lyceumChatLoaded = true;

  var PING_MS = 10000; // until the socket's hello says how often it wants a heartbeat
  var TYPING_SHOW_MS = 6000;

  function setUnread(count) {
    document.querySelectorAll("[data-chat-unread]").forEach(function (badge) {
      badge.textContent = "";
      var before = document.createElement("span");
      before.className = "sr-only";
      before.textContent = ", ";
      var after = document.createElement("span");
      after.className = "sr-only";
      after.textContent = " " + ngettext("unread", "unread", count);
      badge.append(before, String(count), after);
      badge.classList.toggle("hidden", !count);
    });
  }

  function showAnnouncement(a) {
    // A notice in the page's status region (base.html's #messages), as plain text.
    var region = document.getElementById("messages");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "mt-4 rounded-xl border border-brand-200 bg-brand-50 px-4 py-3 text-sm text-brand-900";
    var title = document.createElement("p");
    title.className = "font-semibold";
    title.textContent = interpolate(
      gettext("Announcement in %(course)s from %(teacher)s"), { course: a.course_title, teacher: a.teacher_name }, true);
    var body = document.createElement("p");
    body.className = "whitespace-pre-wrap";
    body.textContent = a.body;
    box.append(title, body);
    region.append(box);
  }

  // Other pages: the shared notifications socket may forward chat events (see lyceum.js).
  document.addEventListener("lyceum:socket", function (event) {
    if (!event.detail) return;
    if (event.detail.type === "chat.unread") setUnread(event.detail.count);
    if (event.detail.type === "chat.announcement" && !document.querySelector("[data-chat], [data-chat-list]")) {
      showAnnouncement(event.detail.announcement);
    }
  });

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // Shown (and announced: role="status") while the socket is down and being retried.
  function setConnectionStatus(text) {
    document.querySelectorAll("[data-connection-status]").forEach(function (box) { box.textContent = text; });
  }

  function openSocket(path, handlers) {
    // Reconnects by itself with exponential backoff (1 s … 30 s, with jitter).
    var delay = 1000, socket = null, pingTimer = null, closedByUs = false;
    var api = {
      send: function (data) {
        if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(data)); return true; }
        return false;
      },
      isOpen: function () { return socket && socket.readyState === WebSocket.OPEN; },
    };
    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + path);
      function beat(ms) {
        clearInterval(pingTimer);
        pingTimer = setInterval(function () { api.send({ type: "chat.ping" }); }, ms);
      }
      socket.addEventListener("open", function () {
        delay = 1000;
        setConnectionStatus("");
        if (handlers.open) handlers.open();
        beat(PING_MS);
      });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "chat.unread") setUnread(data.count);
        if (data.type === "chat.hello" && typeof data.unread === "number") setUnread(data.unread);
        if (data.type === "chat.hello" && data.heartbeat > 0) beat(data.heartbeat * 1000);
        if (data.type === "chat.announcement") showAnnouncement(data.announcement);
        if (handlers.message) handlers.message(data);
      });
      socket.addEventListener("close", function (event) {
        clearInterval(pingTimer);
        if (handlers.close) handlers.close();
        if (closedByUs || event.code === 4401 || event.code === 4403) return;
        setConnectionStatus(gettext("Reconnecting…"));
        setTimeout(connect, delay + Math.random() * 500);
        delay = Math.min(delay * 2, 30000);
      });
    }
    window.addEventListener("pagehide", function () { closedByUs = true; if (socket) socket.close(); });
    connect();
    return api;
  }

  // --- The conversation list: live unread badges ------------------------------------
  var list = document.querySelector("[data-chat-list]");
  if (list && "WebSocket" in window) {
    openSocket(list.dataset.socket, {
      message: function (data) {
        if (data.type === "chat.unread" || data.type === "chat.announcement") {
          // The list is small: fetch the page again and take its (server-escaped) rows.
          fetch(location.href, { credentials: "same-origin" })
            .then(function (response) { return response.text(); })
            .then(function (html) {
              var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-chat-list]");
              if (fresh) list.replaceChildren.apply(list, Array.prototype.slice.call(fresh.childNodes));
            })
            .catch(function () {});
        }
      },
    });
  }

  // --- One conversation ----------------------------------------------------------------
  var root = document.querySelector("[data-chat]");
  if (!root || !("WebSocket" in window)) return;

  var userId = Number(root.dataset.userId);
  var otherId = Number(root.dataset.otherId);
  var otherLastRead = Number(root.dataset.otherLastRead || 0);
  var list_ = root.querySelector("[data-chat-messages]");
  var scroller = root.querySelector("[data-chat-scroll]");
  var form = root.querySelector("[data-chat-form]");
  var textarea = form.querySelector("textarea[name=body]");
  var fileInput = form.querySelector("input[type=file]");
  var errorBox = root.querySelector("[data-chat-error]");
  var typingBox = root.querySelector("[data-typing]");
  var receiptBox = root.querySelector("[data-receipt]");
  var presenceBox = root.querySelector("[data-presence]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var olderPage = location.search.indexOf("before=") !== -1;
  var pending = {}; // client_id -> body, resent after a reconnect until acknowledged
  var typingTimer = null;
  var lastTypingSent = 0;

  function lastId(selector) {
    var ids = Array.prototype.map.call(list_.querySelectorAll(selector || "[data-message-id]"), function (li) {
      return Number(li.dataset.messageId);
    });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  var parser = new DOMParser();

  function showMessage(id, html) {
    // `html` is one <li> the server rendered (and escaped) for this page's user.
    var node = document.adoptNode(parser.parseFromString(html, "text/html").body.firstElementChild);
    var shown = document.getElementById("message-" + id);
    if (shown && shown.isEqualNode(node)) return; // shown already (a resend, a catch-up)
    if (shown) { shown.replaceWith(node); } // the same message, changed (a moderator approved it)
    else {
      var stick = atBottom() || Number(node.dataset.senderId) === userId;
      // Keep id order even when a catch-up and a live message cross.
      var after = null;
      list_.querySelectorAll("[data-message-id]").forEach(function (li) {
        if (Number(li.dataset.messageId) > id && !after) after = li;
      });
      list_.insertBefore(node, after);
      var empty = root.querySelector("[data-chat-empty]");
      if (empty) empty.remove();
      if (typingBox.textContent) typingBox.textContent = "";
      if (stick) scroller.scrollTop = scroller.scrollHeight;
    }
    if (window.htmx) htmx.process(node); // its Report form posts with htmx
    updateReceipt();
    markRead();
  }

  function updateReceipt() {
    var mine = list_.querySelectorAll('[data-sender-id="' + userId + '"]');
    var last = mine.length ? Number(mine[mine.length - 1].dataset.messageId) : 0;
    receiptBox.textContent = last && otherLastRead >= last ? gettext("Seen") : "";
  }

  var readTimer = null;
  function markRead() {
    // At most one read receipt a second, however fast messages arrive.
    if (readTimer) return;
    readTimer = setTimeout(function () { readTimer = null; sendRead(); }, 1000);
  }

  function sendRead() {
    if (document.visibilityState !== "visible" || olderPage) return;
    // The newest message of the other person's (sending one's own moved the marker already).
    var id = lastId('[data-message-id]:not([data-sender-id="' + userId + '"])');
    if (id && id > (sendRead.sent || 0)) {
      if (chat.send({ type: "chat.read", message_id: id })) sendRead.sent = id;
    }
  }

  function presence(online) {
    return online ? gettext("Online") : gettext("Offline");
  }

  function showError(text) {
    errorBox.textContent = text || "";
  }

  function sendPending() {
    Object.keys(pending).forEach(function (clientId) {
      chat.send({ type: "chat.send", body: pending[clientId], client_id: clientId });
    });
  }

  function sync() {
    if (!olderPage) chat.send({ type: "chat.sync", after_id: lastId() });
  }

  var chat = openSocket(root.dataset.socket, {
    open: function () {
      // Fetch whatever arrived while we were away, then resend what was never acknowledged.
      sync();
      sendPending();
    },
    message: function (data) {
      switch (data.type) {
        case "chat.hello":
          if (data.other) {
            otherLastRead = Math.max(otherLastRead, data.other.last_read_message_id || 0);
            presenceBox.textContent = presence(data.other.online);
            updateReceipt();
          }
          markRead();
          break;
        case "chat.message":
          if (!olderPage) showMessage(data.id, data.html);
          break;
        case "chat.messages":
          data.messages.forEach(function (m) { showMessage(m.id, m.html); });
          if (!data.complete) sync();
          break;
        case "chat.ack":
          // Stored. The message itself comes as a chat.message, as to every other tab; if
          // that send was lost (the channel layer was down), catch up.
          delete pending[data.client_id];
          setTimeout(function () { if (!document.getElementById("message-" + data.id)) sync(); }, 2000);
          if (data.status === "held") showError(gettext("Your message is waiting for a moderator's review."));
          break;
        case "chat.typing":
          typingBox.textContent = interpolate(gettext("%(name)s is typing…"), { name: data.name }, true);
          clearTimeout(typingTimer);
          typingTimer = setTimeout(function () { typingBox.textContent = ""; }, TYPING_SHOW_MS);
          break;
        case "chat.read":
          if (data.user_id === otherId) { otherLastRead = Math.max(otherLastRead, data.message_id); updateReceipt(); }
          break;
        case "chat.presence":
          if (data.user_id === otherId) presenceBox.textContent = presence(data.online);
          break;
        case "chat.hidden":
          var gone = document.getElementById("message-" + data.message_id);
          if (gone) gone.remove();
          break;
        case "error":
          if (data.retry_after) { setTimeout(sync, data.retry_after * 1000); break; } // catch-ups came too fast
          if (data.client_id) delete pending[data.client_id];
          showError(data.error);
          break;
      }
    },
  });

  form.addEventListener("submit", function (event) {
    var body = textarea.value.trim();
    var file = fileInput && fileInput.files.length ? fileInput.files[0] : null;
    if (!body && !file) { event.preventDefault(); return; }
    var clientId = uuid();
    if (file) {
      // Attachments go over HTTP; the stored message then arrives over the socket.
      event.preventDefault();
      var data = new FormData(form);
      data.set("client_id", clientId);
      fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json", "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          if (result.error) { showError(result.error); return; }
          showError("");
          textarea.value = "";
          fileInput.value = "";
          if (result.html) showMessage(result.id, result.html);
        })
        .catch(function () { showError(gettext("The file could not be sent. Check your connection and try again.")); });
      return;
    }
    if (!chat.isOpen()) return; // no socket: let the form post normally
    event.preventDefault();
    pending[clientId] = body;
    chat.send({ type: "chat.send", body: body, client_id: clientId });
    textarea.value = "";
    showError("");
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  textarea.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTypingSent > 2000 && textarea.value.trim()) {
      lastTypingSent = now;
      chat.send({ type: "chat.typing" });
    }
  });
  document.addEventListener("visibilitychange", markRead);

  scroller.scrollTop = scroller.scrollHeight;
  updateReceipt();
})();
