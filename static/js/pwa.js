// The installable app's page side: registers the service worker (templates/pwa/sw.js), marks a
// lesson it served from the device as a read-only copy, lists the saved lessons on the offline
// page, and turns web push on or off for this device on the notification settings page.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  // The offline page has no catalog (it is kept on the device): its words stay in English there.
  var gettext = window.gettext || function (text) { return text; };
  var root = document.documentElement;

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* no offline copy, no push */ });

  // A saved copy (the service worker set data-copy="offline"): nothing can be sent from it.
  function markReadOnly() {
    if (root.getAttribute("data-copy") !== "offline") return;
    document.querySelectorAll("form button, form input, form select, form textarea, [hx-post]").forEach(function (control) {
      control.disabled = true;
      control.setAttribute("aria-disabled", "true");
    });
  }

  // The offline page: the lessons the service worker keeps, by their page titles.
  function listSaved() {
    var list = document.querySelector("[data-saved-lessons]");
    if (!list || !window.caches) return;
    caches.open("lyceum-lessons").then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (response) { return response.text(); }).then(function (html) {
            var title = new DOMParser().parseFromString(html, "text/html").title || request.url;
            return { url: request.url, title: title };
          });
        }));
      });
    }).then(function (lessons) {
      lessons.forEach(function (lesson) {
        var item = document.createElement("li");
        item.className = "py-2";
        var link = document.createElement("a");
        link.href = lesson.url;
        link.textContent = lesson.title;
        item.appendChild(link);
        list.appendChild(item);
      });
      var none = document.querySelector("[data-saved-none]");
      if (none) none.hidden = lessons.length > 0;
    });
    var again = document.querySelector("[data-reload]");
    if (again) again.addEventListener("click", function () { window.location.reload(); });
  }

  // Web push for this device (templates/lms/notification_settings.html).
  function applicationServerKey(base64url) {
    var text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) return response.json().then(function (answer) { throw new Error(answer.error || response.statusText); });
      return response.json();
    });
  }
  function pushSwitch() {
    var box = document.querySelector("[data-push-device]");
    if (!box) return;
    var button = box.querySelector("[data-push-toggle]");
    var status = box.querySelector("[data-push-status]");
    var key = box.getAttribute("data-key");
    function say(text) { status.textContent = text; }
    if (!key || !("PushManager" in window) || !("Notification" in window)) {
      say(gettext("This browser cannot get push notifications from Lyceum."));
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      function show(subscription) {
        button.hidden = false;
        button.textContent = subscription ? gettext("Turn off on this device") : gettext("Turn on for this device");
        button.setAttribute("aria-pressed", subscription ? "true" : "false");
        say(subscription ? gettext("This device gets push notifications.") : gettext("This device gets no push notifications."));
      }
      registration.pushManager.getSubscription().then(show);
      button.addEventListener("click", function () {
        button.disabled = true;
        registration.pushManager.getSubscription().then(function (current) {
          if (current) {
            return post(box.getAttribute("data-unsubscribe-url"), { endpoint: current.endpoint }).then(function () {
              return current.unsubscribe();
            }).then(function () { window.location.reload(); });
          }
          return Notification.requestPermission().then(function (permission) {
            if (permission !== "granted") throw new Error(gettext("Notifications are blocked for this site in the browser's settings."));
            return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: applicationServerKey(key) });
          }).then(function (subscription) {
            return post(box.getAttribute("data-subscribe-url"), subscription.toJSON());
          }).then(function () { window.location.reload(); });
        }).catch(function (error) {
          say(gettext("Push could not be turned on here:") + " " + error.message);
          button.disabled = false;
        });
      });
    });
  }

  markReadOnly();
  listSaved();
  pushSwitch();
})();
