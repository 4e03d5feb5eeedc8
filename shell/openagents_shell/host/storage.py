"""``localStorage`` for small per-browser values (the chat's unsent drafts); never secrets.

A browser that refuses storage (private mode quotas, disabled storage) simply keeps nothing.
"""

from __future__ import annotations

from js import window  # type: ignore[import-not-found]

PREFIX = "oa."


class JsStorage:
    def get(self, key: str) -> str | None:
        try:
            value = window.localStorage.getItem(PREFIX + key)
        except Exception:  # noqa: BLE001 - storage disabled: nothing kept
            return None
        # a missing key is JS null, which Pyodide hands over as ``jsnull`` (not None): only a str is a value
        return value if isinstance(value, str) else None

    def keys(self) -> list[str]:
        """Our keys (without the prefix)."""
        try:
            store = window.localStorage
            names = [store.key(i) for i in range(int(store.length))]
        except Exception:  # noqa: BLE001 - storage disabled: nothing kept
            return []
        return [n[len(PREFIX):] for n in names if isinstance(n, str) and n.startswith(PREFIX)]

    def set(self, key: str, value: str) -> None:
        try:
            if value:
                window.localStorage.setItem(PREFIX + key, value)
            else:
                window.localStorage.removeItem(PREFIX + key)
        except Exception:  # noqa: BLE001 - quota or disabled: nothing kept
            return
