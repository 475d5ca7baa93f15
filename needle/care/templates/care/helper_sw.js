// The helper's page offline: the page and its files are kept in this worker's cache. The page
// comes from the network while there is one (and the copy is refreshed), from the cache when
// not; the files from the cache first. Visits themselves wait in the page's IndexedDB.
// The cache is the signed-in account's own (its id in the name): another account signing in on
// the same device gets its own worker, which deletes the first one's cache, and never reads it.
"use strict";
var CACHE = "{{ cache|escapejs }}-{{ user.pk|default:0 }}";
var PAGE = "{{ page|escapejs }}";
var ASSETS = [{% for a in assets %}"{{ a|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(ASSETS.concat([PAGE])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("needle-care-") === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(
      fetch(request).then(function (response) {
        return caches.open(CACHE).then(function (cache) {
          // Signed out (sent to the login page): the kept copy with the households goes too.
          if (response.redirected || response.status === 401 || response.status === 403) {
            return cache.delete(PAGE).then(function () { return response; });
          }
          if (response.ok) return cache.put(PAGE, response.clone()).then(function () { return response; });
          return response;
        });
      }).catch(function () {
        return caches.open(CACHE)
          .then(function (cache) { return cache.match(PAGE); })
          .then(function (hit) { return hit || Response.error(); });
      })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.open(CACHE)
        .then(function (cache) { return cache.match(url.pathname); })
        .then(function (hit) { return hit || fetch(request); })
    );
  }
});
