"""The asset pipeline: turns ``shell/``, ``proto/``, ``static/`` and the pinned Pyodide runtime into a
content-hashed, reproducible bundle under ``dist/bundles/<build_id>/`` (ARCHITECTURE §7)."""

from openagents_proto.bundle_manifest import Manifest

from openagents_build.pipeline import BuildError, BuildOptions, build_bundle

__all__ = ["BuildError", "BuildOptions", "Manifest", "build_bundle"]
