"""A throwaway PostgreSQL server for tests and benchmarks: initdb into a temporary folder,
serve on a free loopback port, remove it all when stopped.

Debian's `postgresql` package provides the binaries (tools/system-packages installs it).
PostgreSQL refuses to run as root, and CI runs as root: there the server runs as the
unprivileged `postgres` user that the package creates.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# Durability is not what tests measure: without fsync a test's database costs a few
# milliseconds instead of tens.
TEST_SETTINGS = ["fsync=off", "synchronous_commit=off", "full_page_writes=off",
                 "max_connections=300", "shared_buffers=64MB", "max_locks_per_transaction=128"]


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One PostgreSQL server in its own temporary folder; `url(name)` for a database."""

    def __init__(self, settings: list[str] = TEST_SETTINGS):
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.port = free_port()
        data = self.folder / "data"
        # As root, the server and its files belong to `postgres`: it refuses root.
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                   "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        options = " ".join(f"-c {s}" for s in settings)
        self._run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"),
                   "-w", "-t", "60", "-o",
                   f"-p {self.port} -h 127.0.0.1 -k {self.folder} {options}", "start"])
        self._pg_ctl = [*self._as, str(bin_dir / "pg_ctl"), "-D", str(data)]

    def _run(self, command: list[str]) -> None:
        done = subprocess.run([*self._as, *command], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            log = self.folder / "log"
            raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}"
                               + (log.read_text() if log.exists() else ""))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run([*self._pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True,
                       check=False)
        for _ in range(50):  # pg_ctl returns once the postmaster is gone
            if not (self.folder / "data" / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)
