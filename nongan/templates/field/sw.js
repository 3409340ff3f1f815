/* nongan field app service worker (scope /field/), version {{ version }}.
   Shell: cache-first (the page opens with the network off), refreshed in the background.
   API GETs: network-first, the last answer kept for when the network is gone.
   Everything else, and every POST, goes to the network untouched. */
"use strict";

const VERSION = "{{ version }}";
const SHELL_CACHE = "nongan-field-shell-" + VERSION;
const API_CACHE = "nongan-field-api";
const SHELL_URL = "{{ shell_url }}";
const SHELL_STATIC = {{ shell_static|safe }};
const API_PREFIX = "{{ api_prefix }}";

// The shell page is only worth caching when it really is the shell: a logged-out visit is
// redirected to the login page, which must not be stored under /field/.
function isShell(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL_STATIC);
    const page = await fetch(SHELL_URL, { credentials: "same-origin" });
    if (isShell(page)) await cache.put(SHELL_URL, page);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("nongan-field-shell-") && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(SHELL_URL);
  const refresh = fetch(request).then((response) => {
    if (isShell(response)) cache.put(SHELL_URL, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => {});  // offline: the cached shell is all we need
    return cached;
  }
  return refresh;
}

async function staticFirst(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

async function apiNetworkFirst(request) {
  const cache = await caches.open(API_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === SHELL_URL && request.mode === "navigate") {
    event.respondWith(shellFirst(request));
  } else if (SHELL_STATIC.includes(url.pathname)) {
    event.respondWith(staticFirst(request));
  } else if (url.pathname.startsWith(API_PREFIX)) {
    event.respondWith(apiNetworkFirst(request));
  }
});
