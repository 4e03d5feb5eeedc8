"""Everything the bundle pins, in one place. Changing a pin changes every build id after it."""

from __future__ import annotations

from dataclasses import dataclass

#: The runtime comes from npm (``build/package-lock.json``), never from a CDN.
PYODIDE_VERSION = "314.0.7"
#: Files of the npm package the browser needs; the rest (the 357-package lock, d.ts, maps) is not shipped.
PYODIDE_CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
#: Pyodide 314's wheel platform (see reference/browser-recipes.md).
PYODIDE_PLATFORM = "pyemscripten_2026_0_wasm32"
PYODIDE_PYTHON = "3.14"

#: The Khala protocol the shell speaks and the schema range it understands.
PROTOCOL_VERSION = "khala.ws.v1"
SCHEMA_RANGE = (1, 1)


@dataclass(frozen=True)
class PinnedWheel:
    """A dependency wheel fetched by pip for Pyodide, with the import names Pyodide records."""

    name: str
    version: str
    imports: tuple[str, ...]
    native: bool  # True: the emscripten platform wheel; False: a pure-Python py3-none-any wheel
    sha256: str  # checked after download: the registry must hand us exactly this file

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


DEPENDENCY_WHEELS = (
    PinnedWheel("msgspec", "0.22.0", ("msgspec",), native=True,
                sha256="a66b1766311e42371e509c996c3933b161c7ae0eabdf361af5316dec197e1022"),
    PinnedWheel("protobuf", "7.36.2", ("google",), native=False,
                sha256="bdb3a345d48db958e6ce1f18e508beb0cc981d64f24088427549c866cd039f1e"),
)

#: Page-level wheels: in the bundle and the lock (URL + sha256, checked by the browser through
#: ``fetch`` integrity), never loaded at boot. A page asks for one with
#: ``openagents_shell.core.lazy_packages.ensure_packages`` the first time it needs it (ADR 0308).
LAZY_WHEELS = (
    PinnedWheel("pygments", "2.21.0", ("pygments",), native=False,
                sha256="2363c69b61c4a97c838da3b130dcd6468f4848992b21a82f2a63ec34377137d9"),
    PinnedWheel("segno", "1.6.6", ("segno",), native=False,
                sha256="28c7d081ed0cf935e0411293a465efd4d500704072cdb039778a2ab8736190c7"),
)
