"""Real ``openagents worker run`` processes for tests: started against a live server, stopped at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import IO


class WorkerProcesses:
    """Each :meth:`start` runs the worker CLI as the token's owner; :meth:`stop_all` ends every one."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, token: str, *args: str, output: int | IO[bytes] = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
        env = {**os.environ, "OPENAGENTS_TOKEN": token, "OPENAGENTS_URL": self.server_url}
        proc = subprocess.Popen([sys.executable, "-m", "openagents_server.cli", "worker", "run", *args], env=env,
                                stdout=output, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def stop_all(self, timeout: float = 15) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout)
