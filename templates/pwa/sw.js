{% load static %}// Lyceum's service worker, served at /sw.js so it covers the whole site (lms.views.service_worker).
// It makes the site installable and usable offline: the offline page and the site's own assets
// are kept on install; every lesson a signed-in student opens (the server marks it with the
// "Lyceum-Offline: lesson" header) is kept with its images, and shown when the network is gone,
// marked as a saved, read-only copy. Signing out forgets them. It also shows web push
// notifications (push/services.py sends them) and opens their page when clicked.
"use strict";

var VERSION = "{{ version }}";
var SHELL = "lyceum-shell-" + VERSION;
var LESSONS = "lyceum-lessons";
var IMAGES = "lyceum-images";
var OFFLINE_URL = "{{ offline_url }}";
var SIGN_OUT_URL = "{{ sign_out_url }}";
var MAX_IMAGES = 300;
var SHELL_FILES = {{ shell_files|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("lyceum-shell-") === 0 && name !== SHELL;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function forgetSaved() {
  return Promise.all([caches.delete(LESSONS), caches.delete(IMAGES)]);
}

// A saved lesson, marked so the page shows its "saved copy" notice and disables its forms.
function markedCopy(response) {
  return response.text().then(function (html) {
    html = html.replace('data-copy="live"', 'data-copy="offline"').replace('id="offline-copy" hidden', 'id="offline-copy"');
    return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function page(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.headers.get("Lyceum-Offline") === "lesson") {
      var copy = response.clone();
      caches.open(LESSONS).then(function (cache) { cache.put(request.url, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(LESSONS).then(function (cache) { return cache.match(request.url); }).then(function (saved) {
      return saved ? markedCopy(saved) : caches.match(OFFLINE_URL);
    });
  });
}

function image(request) {
  // Network first, so a changed image shows; kept for when the network is gone.
  return fetch(request).then(function (response) {
    if (response.ok || response.type === "opaque") {
      var copy = response.clone();
      caches.open(IMAGES).then(function (cache) {
        return cache.put(request, copy).then(function () { return cache.keys(); }).then(function (keys) {
          return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_IMAGES)).map(function (key) { return cache.delete(key); }));
        });
      });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (saved) { return saved || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET") {
    // Signing out: this device keeps nothing of theirs.
    if (url.origin === self.location.origin && url.pathname === SIGN_OUT_URL) event.waitUntil(forgetSaved());
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (request.destination === "image") {
    event.respondWith(image(request));
  } else if (url.origin === self.location.origin && SHELL_FILES.indexOf(url.pathname) !== -1) {
    event.respondWith(fetch(request).catch(function () { return caches.match(request); }));
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Lyceum", {
    body: data.body || "",
    tag: data.kind ? "lyceum-" + data.kind + "-" + data.id : undefined,
    icon: "{% static 'img/app/icon-192.png' %}",
    badge: "{% static 'img/app/icon-192.png' %}",
    data: { url: data.url || "/notifications/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = event.notification.data && event.notification.data.url;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === target && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow(target);
  }));
});
