"""A private PostgreSQL cluster started from the system's binaries.

It makes ``make serve`` and ``make test`` work with no configuration: the cluster lives in one
directory (``var/pg`` by default), listens on a unix socket only (no TCP port to collide with), and is
reused on the next start. PostgreSQL refuses to run as root, so as root every binary runs as the
``postgres`` system user, which then owns the directory.
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

#: Name of the database the platform uses inside the embedded cluster.
DEFAULT_DATABASE = "openagents"
#: Superuser created by initdb, whatever user runs the binaries.
SUPERUSER = "postgres"
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under "
    "/usr/lib/postgresql/*/bin. Install them (Debian: `apt-get install postgresql`) or point "
    "OPENAGENTS_DATABASE_URL at an existing PostgreSQL server."
)


class EmbeddedPostgresError(RuntimeError):
    """The embedded cluster could not be created, started or stopped."""


def find_pg_bin_dir() -> Path:
    """Directory holding ``initdb`` and ``pg_ctl``: the newest Debian install, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for directory in candidates:
        if Path(directory, "initdb").exists() and Path(directory, "pg_ctl").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    raise EmbeddedPostgresError(INSTALL_HINT)


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parent.name.split(".")[0])
    except ValueError:
        return 0


@dataclass
class EmbeddedPostgres:
    """A cluster in ``root``: ``root/data`` (the cluster) and ``root/run`` (its socket and log)."""

    root: Path
    database: str = DEFAULT_DATABASE
    #: Extra ``-c name=value`` server settings (tests turn fsync off).
    server_settings: dict[str, str] = field(default_factory=dict)
    bin_dir: Path | None = None

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if self.bin_dir is None:
            self.bin_dir = find_pg_bin_dir()
        self._owner_fd: int | None = None

    # -- ownership -----------------------------------------------------------------------------

    @property
    def owner_lock(self) -> Path:
        return self.root / "owner.lock"

    def claim(self) -> bool:
        """Try to become the cluster's owner: the process that stops it when it is done.

        The owner holds an exclusive ``flock`` on ``root/owner.lock`` for as long as it lives; the
        kernel drops it when the process dies, however it dies. So a cluster left running by a
        killed ``openagents serve`` has no owner and the next start adopts it (and stops it on its
        own Ctrl-C), while a command run beside a live server (``openagents migrate``) finds the
        lock held and leaves the server's cluster alone. See docs/adr/0001.
        """
        if self._owner_fd is not None:
            return True
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.owner_lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._owner_fd = fd
        return True

    def release(self) -> None:
        """Give up ownership (the cluster keeps running unless :meth:`stop` was called)."""
        if self._owner_fd is not None:
            os.close(self._owner_fd)
            self._owner_fd = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "run" / "postgres.log"

    def dsn(self, database: str | None = None) -> str:
        return (
            f"postgresql://{SUPERUSER}@/{database or self.database}"
            f"?host={quote(str(self.socket_dir), safe='/')}"
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        result = self._run(["pg_ctl", "status", "-D", str(self.data_dir)], check=False)
        return result.returncode == 0

    def start(self, timeout: float = 30.0) -> None:
        """Create the cluster if needed, start it (or adopt a running one), create the database."""
        self._prepare_dirs()
        if not self.is_initialized():
            self._initdb()
        if not self.is_running():
            self._remove_stale_pid()
            options = [
                "-k", str(self.socket_dir),
                "-c", "listen_addresses=",
                "-c", "unix_socket_permissions=0770",
                "-c", "max_connections=200",
            ]
            for name, value in self.server_settings.items():
                options += ["-c", f"{name}={value}"]
            self._run(
                [
                    "pg_ctl", "start", "-w", "-t", str(int(timeout)),
                    "-D", str(self.data_dir),
                    "-l", str(self.log_file),
                    "-o", " ".join(_quote_option(o) for o in options),
                ]
            )
        self._wait_ready(timeout)
        self.create_database(self.database)

    def stop(self, mode: str = "fast") -> None:
        if self.is_initialized() and self.is_running():
            self._run(["pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.data_dir)])

    def create_database(self, name: str, template: str | None = None) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres")
        if exists.strip() != "1":
            clause = f" TEMPLATE {template}" if template else ""
            self.psql(f'CREATE DATABASE "{name}"{clause}', database="postgres")

    def psql(self, sql: str, database: str | None = None) -> str:
        result = self._run(
            [
                "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                "-h", str(self.socket_dir), "-U", SUPERUSER, "-d", database or self.database,
                "-c", sql,
            ]
        )
        return result.stdout

    # -- internals -----------------------------------------------------------------------------

    def _prepare_dirs(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        owner = self._run_as_user()
        if owner is not None:
            for ancestor in self.root.parents:
                if not os.stat(ancestor).st_mode & 0o001:
                    raise EmbeddedPostgresError(
                        f"PostgreSQL runs as the 'postgres' user, which cannot enter {ancestor}; "
                        "choose a data directory whose parents are world-searchable (chmod o+x)"
                    )
            for path in (self.root, self.socket_dir, self.data_dir):
                if path.exists():
                    os.chown(path, owner.pw_uid, owner.pw_gid)
            if self.log_file.exists():
                os.chown(self.log_file, owner.pw_uid, owner.pw_gid)

    def _initdb(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise EmbeddedPostgresError(
                f"{self.data_dir} exists but holds no PostgreSQL cluster; move it away and retry"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_dirs()
        self._run(
            [
                "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
            ]
        )

    def _remove_stale_pid(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if pid_file.exists():
            # pg_ctl said it is not running: the pid file is left over from a crash.
            pid_file.unlink()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            result = self._run(
                ["pg_isready", "-q", "-h", str(self.socket_dir), "-U", SUPERUSER], check=False
            )
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(f"PostgreSQL did not become ready; see {self.log_file}")
            time.sleep(0.05)

    @staticmethod
    def _run_as_user() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise EmbeddedPostgresError(
                "running as root, but there is no 'postgres' system user to run PostgreSQL as "
                "(Debian's postgresql package creates it)"
            ) from None

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None
        binary = self.bin_dir / argv[0]
        command = [str(binary) if binary.exists() else argv[0], *argv[1:]]
        if self._run_as_user() is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        try:
            result = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        except FileNotFoundError:
            raise EmbeddedPostgresError(INSTALL_HINT) from None
        if check and result.returncode != 0:
            raise EmbeddedPostgresError(
                f"{argv[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
        return result


def _quote_option(option: str) -> str:
    return f"'{option}'" if (" " in option or option.endswith("=")) else option
