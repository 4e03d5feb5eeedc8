// sw.js — one cache per build holding its pinned assets; network-first navigations with the cached
// shell as the offline fallback; cache-first content-hashed assets. `openagents build` prepends
// `self.OA_BUNDLE = {build_id, cache, pinned, lazy, shell}` so every build's worker differs byte-wise,
// which is what makes the browser install it as an update. `lazy` lists the page-level wheels
// (Pygments, segno: ADR 0308): never precached, cached the first time a page loads one, and carried
// into a newer build's cache when an older one already holds them.
const B = self.OA_BUNDLE;
const LAZY = new Set(B.lazy || []);
const PREFIX = "oa-build-";
const META_CACHE = "oa-meta";
const META_KEY = "/__oa/builds.json";
const SHELL_KEY = "/__oa/shell.html";
const KEEP_BUILDS = 3; // this build plus two previous ones, so a rollback is served from cache

self.addEventListener("install", (event) => {
  // Precache in the background; stay waiting until the page asks (next navigation or prompt).
  event.waitUntil(Promise.all([precache(), addRoutes(event)]));
});

// Static routing (Chromium 123+): a navigation races the network against this worker's fetch
// handler. A returning visitor's page no longer waits for the worker to start (browser restart:
// ~40 ms) when the server answers; when it does not, the handler's cached shell wins.
async function addRoutes(event) {
  if (!event.addRoutes) return;
  try {
    await event.addRoutes([{ condition: { requestMode: "navigate" }, source: "race-network-and-fetch-handler" }]);
  } catch (err) {
    console.warn("static routes refused", err);
  }
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const builds = [B.build_id, ...(await readBuilds()).filter((b) => b !== B.build_id)].slice(0, KEEP_BUILDS);
    await writeBuilds(builds);
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && !builds.includes(name.slice(PREFIX.length))) await caches.delete(name);
    }
    // Navigation preload: the browser starts the page request while it is still starting this
    // worker, instead of after (a returning visitor's first byte no longer waits for the worker).
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(asset(req));
  }
  // Everything else (/api, /sync, /sw.js, /manifest.json) goes to the network untouched.
});

async function precache() {
  const cache = await caches.open(B.cache);
  const shell = await fetch(B.shell, { cache: "no-store", credentials: "same-origin" });
  if (!shell.ok || shell.headers.get("x-oa-build-id") !== B.build_id) {
    // The server switched bundles while we installed: give up; the next update check retries.
    throw new Error("version skew while installing " + B.build_id);
  }
  await cache.put(SHELL_KEY, shell);
  await Promise.all(B.pinned.map(async (path) => {
    if (await cache.match(path)) return;
    let resp = await caches.match(path); // same content-hashed name in an older build's cache
    if (!resp) {
      resp = await fetch(path, { credentials: "same-origin" });
      if (!resp.ok) throw new Error("precache " + path + ": " + resp.status);
    }
    await cache.put(path, resp);
  }));
  await Promise.all([...LAZY].map(async (path) => {
    const kept = await caches.match(path);  // only what an older build already cached: no download
    if (kept) await cache.put(path, kept);
  }));
}

async function navigate(event) {
  let resp;
  try {
    // The server knows which bundle is active (and the kill switch): network first.
    resp = (await event.preloadResponse) || (await fetch(event.request));
  } catch (err) {
    return (await cachedShell()) || Promise.reject(err);
  }
  // A proxy answering for a dead backend (502/503/504) is offline too, as far as the user can tell.
  if (resp.status >= 502 && resp.status <= 504) return (await cachedShell()) || resp;
  return resp;
}

// The cached shell, served because the network failed: marked on <html> so the page starts offline
// (boot.js reads the mark before its first frame) instead of saying "online" until its probe answers.
async function cachedShell() {
  const cache = await caches.open(B.cache);
  const shell = await cache.match(SHELL_KEY);
  if (!shell) return shell;
  const html = (await shell.text()).replace("<html ", '<html data-oa-served="offline" ');
  return new Response(html, { status: shell.status, statusText: shell.statusText, headers: shell.headers });
}

async function asset(req) {
  const hit = await caches.match(req.url);
  if (hit) return hit;
  const resp = await fetch(req);
  const path = new URL(req.url).pathname;
  if (LAZY.has(path) && resp.ok) {
    // A page-level wheel, loaded for the first time: keep it, so the page works offline from now on.
    const copy = resp.clone();
    caches.open(B.cache).then((cache) => cache.put(path, copy)).catch((e) => console.warn("not cached", path, e));
  }
  return resp;
}

async function readBuilds() {
  const meta = await caches.open(META_CACHE);
  const resp = await meta.match(META_KEY);
  if (!resp) return [];
  try { return await resp.json(); } catch (e) { return []; }
}

async function writeBuilds(builds) {
  const meta = await caches.open(META_CACHE);
  await meta.put(META_KEY, new Response(JSON.stringify(builds), { headers: { "content-type": "application/json" } }));
}
