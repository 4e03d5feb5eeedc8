"""Real bundles for tests: built once per session with the real pipeline (``openagents build``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openagents_build import BuildOptions, build_bundle

REPO = Path(__file__).resolve().parents[2]
#: Two build times a day apart: bundle B is "newer" than A for the compatibility window.
TIME_A = 1_790_000_000
TIME_B = TIME_A + 86_400


@dataclass(frozen=True)
class BuiltBundles:
    root: Path
    a: str
    b: str


def build_test_bundles(root: Path) -> BuiltBundles:
    a = build_bundle(BuildOptions(repo=REPO, bundles_dir=root, build_time=TIME_A)).build_id
    b = build_bundle(BuildOptions(repo=REPO, bundles_dir=root, build_time=TIME_B)).build_id
    return BuiltBundles(root, a, b)
