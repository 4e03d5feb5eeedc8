// boot.js — the thin host shim: progress, Pyodide boot, service worker, update bridge.
// No product logic lives here; it hands control to the Python shell (openagents_shell.entry).

// Nothing here runs before the skeleton's first frame. A returning visitor's boot.js comes from Cache
// Storage while the document is still being parsed, and running it then could hold that frame back
// (restart first paint 86 vs 88–96 ms, ADR 0302). A tab opened in the background gets no frames and
// starts at once.
await firstFrameOrHidden();
const cfg = JSON.parse(document.getElementById("oa-boot-config").textContent);
const $ = (id) => document.getElementById(id);
const BUILD = cfg.build_id;
const BUILD_HEADER = "x-oa-build-id";
const CLIENT_BUILD_HEADER = "x-oa-client-build";
const RELOAD_GUARD = "oa-upgrade-reloads";
document.documentElement.classList.add("oa-booting");
performance.mark("oa-boot-start");

// ---- progress: downloads (decoded bytes of the pinned runtime files) then init steps ----------
const DOWNLOAD_SHARE = 80;
const expected = cfg.sizes || {};
const totalBytes = Object.values(expected).reduce((a, b) => a + b, 0) || 1;
let loadedBytes = 0;
let stepValue = 0;
function paintProgress(label) {
  const dl = Math.min(1, loadedBytes / totalBytes) * DOWNLOAD_SHARE;
  const value = Math.max(stepValue, Math.round(dl));
  const bar = $("oa-progress");
  if (bar) { bar.value = value; bar.textContent = value + "%"; }
  if (label) $("oa-progress-label").textContent = label;
}
function step(value, label) { stepValue = Math.max(stepValue, value); paintProgress(label); }

// A boot that makes no progress for this long is reported, never left as an endless bar.
const STALL_MS = 30000;
let booted = false;
let failed = false;
let lastProgress = performance.now();
let lastValue = -1;
const watchdog = setInterval(() => {
  const now = performance.now();
  const value = loadedBytes + stepValue;
  if (value !== lastValue) { lastValue = value; lastProgress = now; return; }
  if (!booted && now - lastProgress > STALL_MS) fail(new Error("Loading stopped making progress. Check your connection and retry."));
}, 1000);
function fail(err) {
  if (failed || booted) return;
  failed = true;
  clearInterval(watchdog);
  showError(err);
}

// Count bytes of a clone, so the original response (and V8's wasm code cache keyed on its URL)
// is untouched.
const nativeFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async (input, init) => {
  // Pyodide passes URL objects, Emscripten strings; Request objects carry .url.
  const path = new URL(input instanceof Request ? input.url : String(input), location.href).pathname;
  let resp;
  try {
    resp = await nativeFetch(input, init);
  } catch (e) {
    if (expected[path] && !booted) fail(new Error("Could not download " + path.split("/").pop() + ": " + e.message));
    throw e;
  }
  // Pyodide does not always reject when its runtime cannot be fetched (it logs and hangs): fail
  // fast and readably instead.
  if (expected[path] && !resp.ok && !booted) {
    fail(new Error("Could not download " + path.split("/").pop() + " (HTTP " + resp.status + ")"));
  }
  if (expected[path] && resp.ok && resp.body) {
    const reader = resp.clone().body.getReader();
    (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        loadedBytes += value.byteLength;
        paintProgress();
      }
    })().catch(() => {});
  }
  return resp;
};

function showError(err) {
  const msg = (err && (err.message || String(err))) || "unknown error";
  console.warn("openagents boot failed:", err);
  window.__error = msg;
  $("oa-boot").hidden = true;
  $("oa-app").hidden = true;
  $("oa-error-message").textContent = navigator.onLine === false
    ? "You appear to be offline and this version is not cached yet. (" + msg + ")"
    : msg;
  $("oa-error").hidden = false;
}
$("oa-retry").addEventListener("click", () => location.reload());

// ---- service worker and updates ------------------------------------------------------------------
const listeners = new Set();
let updateReady = false;
let skewDetected = false;
const SKEW_RECHECK_MS = 30000;
let registration = null;
// Served by the service worker from its cache because the network failed (sw.js marks it): offline
// from the first frame; the probe below says when the server answers again.
let online = document.documentElement.dataset.oaServed !== "offline";

function notify() { for (const cb of listeners) { try { cb(); } catch (e) { console.warn(e); } } }
function markWaiting(worker) {
  // A worker that installs while another one is active is an update (also when this page is not
  // controlled, e.g. after a hard reload); the very first install activates at once and is not.
  if (!worker || !(navigator.serviceWorker.controller || (registration && registration.active))) return;
  const ready = () => { if (worker.state === "installed" && registration && registration.waiting === worker) { updateReady = true; notify(); } };
  worker.addEventListener("statechange", ready);
  ready();
}
// Registered after the first frame (it must not compete with the boot downloads), and only when
// the server says the kill switch is off; offline, the existing registration is adopted as is.
async function registerWorker(info) {
  if (!cfg.service_worker || !("serviceWorker" in navigator)) return;
  try {
    if (info && info.killswitch) {
      // Fetch the kill-switch worker now rather than at the browser's next update check.
      const old = await navigator.serviceWorker.getRegistration("/");
      if (old) old.update().catch(() => {});
      return;
    }
    registration = info
      ? await navigator.serviceWorker.register(cfg.service_worker, { scope: "/" })
      : (await navigator.serviceWorker.getRegistration("/")) || null;
    if (!registration) return;
    if (registration.waiting) markWaiting(registration.waiting);
    // An update already installing when this page booted (e.g. the reload after a 426 started it):
    // its updatefound has fired before we listened, so watch it here or it would wait forever.
    if (registration.installing) markWaiting(registration.installing);
    registration.addEventListener("updatefound", () => markWaiting(registration.installing));
  } catch (e) {
    console.warn("service worker registration failed", e);
  }
}
async function checkForUpdate() {
  if (registration) {
    try { await registration.update(); } catch (e) { /* offline: keep running from cache */ }
  }
}
function observeBuild(resp) {
  const served = resp.headers.get(BUILD_HEADER);
  if (!served || served === BUILD || updateReady || skewDetected) return;
  if (!registration) { updateReady = true; notify(); return; }
  // Ask for the new worker once; if that check found nothing (offline, or the server's rollout was
  // mid-change), the next response that shows the skew asks again, at most every SKEW_RECHECK_MS.
  skewDetected = true;
  checkForUpdate().finally(() => {
    if (registration.installing || registration.waiting) return;
    setTimeout(() => { skewDetected = false; }, SKEW_RECHECK_MS);
  });
}
// Apply a pending update by loading `url` as a full navigation (never mid-action: the shell calls
// this only from a navigation or from the user's "reload now").
async function applyUpdate(url) {
  const waiting = registration && registration.waiting;
  if (waiting) {
    const changed = new Promise((res) => {
      navigator.serviceWorker.addEventListener("controllerchange", res, { once: true });
      setTimeout(res, 2000);
    });
    waiting.postMessage({ type: "SKIP_WAITING" });
    await changed;
  }
  const target = new URL(url || location.href, location.href);
  const here = new URL(location.href);
  if (target.origin === here.origin && target.pathname === here.pathname && target.search === here.search) {
    // Same document, at most another #fragment: assign() would only scroll, never load the new build.
    history.replaceState(history.state, "", target.href);
    location.reload();
  } else {
    location.assign(target.href);
  }
}
// The shell's HTTP bridge: same-origin JSON with the client build, skew detection, and the
// compatibility gate (426 → reload once into the current bundle).
async function apiFetch(path, options = {}) {
  const headers = new Headers(options.headers || {});
  headers.set(CLIENT_BUILD_HEADER, BUILD);
  let resp;
  try {
    resp = await nativeFetch(path, { ...options, headers, credentials: "same-origin" });
  } catch (e) {
    setOnline(false);
    throw e;
  }
  // 502/503/504: a proxy answering for a backend it cannot reach. To the user that is offline.
  setOnline(!(resp.status >= 502 && resp.status <= 504));
  observeBuild(resp);
  // The API accepted this build: an earlier upgrade reload (below) did its job.
  if (resp.ok && new URL(resp.url, location.href).pathname.startsWith("/api/")) sessionStorage.removeItem(RELOAD_GUARD);
  if (resp.status === 426) {
    const n = Number(sessionStorage.getItem(RELOAD_GUARD) || "0");
    if (n < 2) {
      sessionStorage.setItem(RELOAD_GUARD, String(n + 1));
      await applyUpdate(location.href);
    }
  }
  return resp;
}
function setOnline(value) { if (online !== value) { online = value; notify(); } }
window.addEventListener("online", () => { checkForUpdate(); probe(); });
window.addEventListener("offline", () => setOnline(false));
// Is the server reachable, is the kill switch on, how often to look for updates? The bundle's
// manifest answers all three: the body names the build served to this device, the two headers the
// delivery state. no-cache + ETag, so a warm boot costs a 304 and downloads nothing.
async function probe() {
  try {
    const r = await apiFetch("/manifest.json", { signal: AbortSignal.timeout(5000) });
    if (r.ok) {
      const manifest = await r.json();
      return {
        build_id: manifest.build_id,
        killswitch: r.headers.get("x-oa-killswitch") === "on",
        update_check_seconds: Number(r.headers.get("x-oa-update-check-seconds")) || 0,
      };
    }
  } catch (e) { /* offline */ }
  return null;
}

const host = {
  buildId: BUILD,
  isOnline: () => online,
  updateReady: () => updateReady,
  subscribe: (cb) => { listeners.add(cb); },
  applyUpdate,
  checkForUpdate,
  fetch: apiFetch,
  progress: step,
};
window.oaHost = host;

// ---- memory snapshot: a returning visitor's boot skips the interpreter's start-up ----------------
// Pyodide can restore the wasm heap of a started interpreter instead of starting one (private API
// `_makeSnapshot`/`_loadSnapshot`; recipe in tools/boot/RESULTS.md; adr/0303). The first boot of a
// build snapshots the bare interpreter (before any package: native extensions do not survive a
// restore) and keeps it in Cache Storage once the shell is up; later boots of that build restore it
// and then load the packages as usual. A restore that fails turns snapshots off for the build and
// reloads once, so the worst case is one slower boot, never a broken one.
const SNAPSHOT_CACHE = "oa-snapshot";
const SNAPSHOT_KEY = "/__oa/snapshot/" + BUILD;
const SNAPSHOT_OFF = "oa-snapshot-off:" + BUILD;

function snapshotsOn() {
  try { return Boolean(cfg.service_worker) && "caches" in self && !localStorage.getItem(SNAPSHOT_OFF); }
  catch (e) { return false; }
}
async function readSnapshot() {
  if (!snapshotsOn()) return null;
  try {
    const hit = await (await caches.open(SNAPSHOT_CACHE)).match(SNAPSHOT_KEY);
    return hit ? await hit.arrayBuffer() : null;
  } catch (e) { return null; }
}
async function storeSnapshot(bytes) {
  const cache = await caches.open(SNAPSHOT_CACHE);
  for (const req of await cache.keys()) {
    if (new URL(req.url).pathname !== SNAPSHOT_KEY) await cache.delete(req);  // one build's at a time
  }
  await cache.put(SNAPSHOT_KEY, new Response(bytes, { headers: { "content-type": "application/octet-stream" } }));
}
function growingModule(snapshot) {
  // The restore copies the snapshot's heap into the wasm memory, which must already be that large
  // (Pyodide sizes INITIAL_MEMORY, but the wasm module declares its own memory).
  return async (settings) => {
    const { default: create } = await import(cfg.runtime + "pyodide.asm.mjs");
    const module = await create(settings);
    const heapBytes = snapshot.byteLength - new Uint32Array(snapshot, 0, 12)[1];
    if (module.HEAP8.length < heapBytes) module.growMemory(heapBytes);
    return module;
  };
}
async function startPython(loadPyodide) {
  const base = { indexURL: new URL(cfg.runtime, location.href).href, lockFileURL: new URL(cfg.lock, location.href).href };
  const quiet = { messageCallback: () => {} };
  const snapshot = await readSnapshot();
  if (snapshot) {
    try {
      const pyodide = await loadPyodide({ ...base, _loadSnapshot: snapshot, createPyodideModule: growingModule(snapshot) });
      performance.mark("snapshot-restored");
      await pyodide.loadPackage(cfg.packages, quiet);
      return { pyodide, fresh: null };
    } catch (e) {
      console.warn("booting from the memory snapshot failed; snapshots are off for this build", e);
      try { localStorage.setItem(SNAPSHOT_OFF, "1"); await caches.delete(SNAPSHOT_CACHE); } catch (e2) { /* best effort */ }
      location.reload();
      return new Promise(() => {});  // the reload takes over
    }
  }
  const snapshots = snapshotsOn();
  const pyodide = await loadPyodide({ ...base, _makeSnapshot: snapshots });
  let fresh = null;
  if (snapshots) {
    try { fresh = pyodide.makeMemorySnapshot(); } catch (e) { console.warn("no memory snapshot this time", e); }
    // Snapshot mode hands Python a recording proxy of the JS globals, on which getters such as
    // `document` throw "Illegal invocation". The snapshot is taken: give Python the real globals.
    pyodide.registerJsModule("js", globalThis);
    pyodide.runPython("import sys; sys.modules.pop('js', None)");
  }
  await pyodide.loadPackage(cfg.packages, quiet);
  return { pyodide, fresh };
}

// Let the skeleton and the progress bar paint before compiling 1.3 MB of runtime JS. A tab opened in
// the background gets no frames until it is shown: there is nothing to paint for, so it boots at once
// and is ready when the user switches to it.
function firstFrameOrHidden() {
  return new Promise((resolve) => {
    const hidden = () => { if (document.visibilityState === "hidden") setTimeout(resolve, 0); };
    requestAnimationFrame(() => setTimeout(resolve, 0));
    document.addEventListener("visibilitychange", hidden, { once: true });
    hidden();
  });
}

async function boot() {
  step(2, "Loading runtime…");  // after the first frame, which lays out no text (ADR 0302)
  const probed = probe();
  await firstFrameOrHidden();
  // The app's font, fetched while Python starts (the skeleton is painted in the system face).
  if (document.fonts) document.fonts.load("15px Inter").catch((e) => console.warn("font not loaded", e));
  const { loadPyodide } = await import(cfg.runtime + "pyodide.mjs");
  performance.mark("pyodide-mjs-loaded");
  const { pyodide, fresh } = await startPython(loadPyodide);
  performance.mark("py-ready");
  step(DOWNLOAD_SHARE + 8, "Starting the shell…");
  // A page-level wheel of the lock (cfg.lazy_packages: Pygments, segno), loaded when a page first asks
  // (core/lazy_packages.py, ADR 0308); the lock's sha256 is checked by fetch integrity.
  host.loadPackage = async (name) => {
    const errors = [];
    await pyodide.loadPackage(name, { messageCallback: () => {}, errorCallback: (m) => errors.push(String(m)) });
    if (errors.length) throw new Error(errors.join("; "));
  };
  const entry = pyodide.pyimport(cfg.entry);
  step(DOWNLOAD_SHARE + 15, "Rendering…");
  const info = await probed;
  entry.start(host);
  if (failed) return;
  booted = true;
  clearInterval(watchdog);
  step(100, "Ready");
  $("oa-boot").hidden = true;
  $("oa-app").hidden = false;
  document.documentElement.classList.remove("oa-booting");
  performance.mark("app-ready");
  window.__appReady = performance.now();
  // The app's other wheels (msgspec, protobuf) are in the lock; load them now, after the first frame.
  const deferred = pyodide.loadPackage(cfg.deferred_packages || [], { messageCallback: () => {} })
    .then(() => performance.mark("deferred-packages-loaded"))
    .catch((e) => console.error("loading " + (cfg.deferred_packages || []).join(", ") + " failed", e));
  host.packagesReady = () => deferred;
  await registerWorker(info);
  // Kept only while the service worker is on. The kill switch clears every cache, snapshots included;
  // a snapshot an earlier page was still writing when it did is cleared here.
  if (info && info.killswitch) {
    caches.delete(SNAPSHOT_CACHE).catch(() => {});
  } else if (fresh && info) {
    storeSnapshot(fresh).then(() => performance.mark("snapshot-stored"))
      .catch((e) => console.warn("could not keep the memory snapshot", e));
  }
  const every = (info && info.update_check_seconds) || 0;
  if (every > 0) setInterval(checkForUpdate, every * 1000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) checkForUpdate(); });
}

boot().catch(fail);
