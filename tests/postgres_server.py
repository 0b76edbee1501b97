"""A real PostgreSQL server for the tests: Debian's binaries, a fresh cluster in a temp folder, a free loopback port.

`make test` installs Debian's `postgresql` package; this module finds its binaries, runs `initdb` (as the `postgres`
system user when the tests run as root, since PostgreSQL refuses to run as root), starts the server on 127.0.0.1 on a
free port with trust authentication for loopback, and stops it and removes the folder at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """Folder of `initdb`/`pg_ctl`, newest major version first; None when PostgreSQL is not installed."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def running_postgres(database: str = "shop"):
    """Yield a URL `postgresql://tester@127.0.0.1:PORT/shop` to a server that lives as long as the `with` block."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
    folder = Path(tempfile.mkdtemp(prefix="segmentation-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
    port = free_port()
    run = dict(check=True, capture_output=True, text=True)
    subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "tester", "-A", "trust",
                                    "-E", "UTF8", "--locale=C"]), **run)
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    try:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                                        "-l", str(folder / "server.log"), "-w", "-t", "60", "start"]), **run)
        deadline = time.time() + 30
        while True:
            done = subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tester",
                                   database], capture_output=True, text=True)
            if done.returncode == 0:
                break
            if time.time() > deadline:
                raise RuntimeError(f"PostgreSQL did not accept connections: {done.stderr.strip()}")
            time.sleep(0.3)
        yield f"postgresql://tester@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
