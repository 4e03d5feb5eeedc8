"""The kill-switch service worker served at ``/sw.js`` while ``openagents bundle killswitch on``:
it replaces any installed worker, deletes every OpenAgents cache, unregisters itself and reloads
open pages so they run without a worker. It lives in the server (not in a bundle) so it works even
when every bundle is broken."""

from __future__ import annotations

import hashlib

KILL_SWITCH_JS = b"""// OpenAgents service-worker kill switch.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("oa-")) await caches.delete(name);
    }
    await self.registration.unregister();
    for (const client of await self.clients.matchAll({ type: "window" })) {
      client.navigate(client.url);
    }
  })());
});
"""
KILL_SWITCH_ETAG = '"kill-' + hashlib.sha256(KILL_SWITCH_JS).hexdigest()[:24] + '"'
