"""The app's wheels: ``openagents_shell`` (+ generated contracts) built with ``python -m build``,
and the dependency wheels for Pyodide fetched by pip and checked against their pinned sha256."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

from openagents_build.hashing import sha256_hex
from openagents_build.pins import DEPENDENCY_WHEELS, PYODIDE_PLATFORM, PYODIDE_PYTHON, PinnedWheel

SHELL_DIST = "openagents-shell"
SHELL_PACKAGE = "openagents_shell"
PROTO_PACKAGE = "openagents_proto"


class WheelError(Exception):
    """A wheel could not be built or fetched."""


def project_version(repo: Path) -> str:
    return str(tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"])


def _copy_package(src: Path, dest: Path) -> None:
    """Copy a package's ``.py``/``.pyi``/``py.typed`` files with fixed modes (umask-independent)."""
    for path in sorted(src.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        if path.suffix not in (".py", ".pyi") and path.name != "py.typed":
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        os.chmod(target, 0o644)


def shell_packages(repo: Path) -> list[str]:
    """``openagents_shell``, plus ``openagents_proto`` when the contracts package exists."""
    packages = [SHELL_PACKAGE]
    if (repo / "proto" / PROTO_PACKAGE / "__init__.py").is_file():
        packages.append(PROTO_PACKAGE)
    return packages


def build_shell_wheel(repo: Path, out_dir: Path, source_date_epoch: int) -> Path:
    """Build the shell wheel in a temporary source tree (never in ``build/``, setuptools' scratch
    name, and never touching the repo), with a fixed SOURCE_DATE_EPOCH so it is reproducible."""
    version = project_version(repo)
    packages = shell_packages(repo)
    deps = [w.requirement for w in DEPENDENCY_WHEELS]
    with tempfile.TemporaryDirectory(prefix="oa-shell-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        _copy_package(repo / "shell" / SHELL_PACKAGE, src / SHELL_PACKAGE)
        if PROTO_PACKAGE in packages:
            _copy_package(repo / "proto" / PROTO_PACKAGE, src / PROTO_PACKAGE)
        (src / "pyproject.toml").write_text(
            "[build-system]\n"
            'requires = ["setuptools>=69"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            "[project]\n"
            f'name = "{SHELL_DIST}"\n'
            f'version = "{version}"\n'
            'description = "OpenAgents web shell (runs in Pyodide)"\n'
            'requires-python = ">=3.11"\n'
            f"dependencies = {deps!r}\n\n".replace("'", '"')
            + "[tool.setuptools]\n"
            f"packages = {_find_packages(src, packages)!r}\n".replace("'", '"')
        )
        dist = Path(tmp) / "dist"
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch), "PYTHONHASHSEED": "0"}
        proc = subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(src)],
            capture_output=True, text=True, env=env, cwd=tmp, check=False,
        )
        if proc.returncode != 0:
            raise WheelError(f"python -m build failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
        built = sorted(dist.glob("*.whl"))
        if len(built) != 1:
            raise WheelError(f"expected one wheel, got {[p.name for p in built]}")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / built[0].name
        shutil.copyfile(built[0], target)
        return target


def _find_packages(src: Path, roots: list[str]) -> list[str]:
    found = []
    for root in roots:
        for init in sorted((src / root).rglob("__init__.py")):
            found.append(".".join(init.parent.relative_to(src).parts))
    return found


def wheel_filename(pin: PinnedWheel) -> str:
    if pin.native:
        tag = PYODIDE_PYTHON.replace(".", "")
        return f"{pin.name}-{pin.version}-cp{tag}-cp{tag}-{PYODIDE_PLATFORM}.whl"
    return f"{pin.name}-{pin.version}-py3-none-any.whl"


def fetch_dependency_wheels(cache_dir: Path, pins: Sequence[PinnedWheel] = DEPENDENCY_WHEELS,
                            ) -> list[tuple[PinnedWheel, Path]]:
    """Download (once) the pinned Pyodide wheels with pip; verify each sha256 (also of a cached file)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    result = []
    for pin in pins:
        path = cache_dir / wheel_filename(pin)
        if not path.exists():
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                   "--python-version", PYODIDE_PYTHON, "-d", str(cache_dir)]
            if pin.native:
                cmd += ["--platform", PYODIDE_PLATFORM, "--implementation", "cp"]
            else:
                cmd += ["--platform", "any", "--implementation", "py"]
            proc = subprocess.run(cmd + [pin.requirement], capture_output=True, text=True, check=False)
            if proc.returncode != 0 or not path.exists():
                raise WheelError(f"pip could not fetch {path.name}:\n{proc.stderr[-2000:]}")
        digest = sha256_hex(path.read_bytes())
        if digest != pin.sha256:
            path.unlink()
            raise WheelError(f"{path.name}: sha256 {digest} does not match the pin {pin.sha256}")
        result.append((pin, path))
    return result
