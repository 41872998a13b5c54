"""A private PostgreSQL cluster on loopback, started and stopped around a block of code.

The one home of how the project starts a throwaway server: where the binaries are
(``initdb``, ``pg_ctl``, ``psql``), running them as the ``postgres`` OS user under root
(the server refuses root), a free port, trust auth, and the folder deleted afterwards.
The tests' ``postgres_server`` fixture (tests/conftest.py) and the PostgreSQL cases of
the benchmark (tests/benchmarks/bench_run.py) both use :func:`private_cluster`.

What is missing (the binaries, or under root the ``postgres`` user) raises
:class:`PostgresUnavailable`, whose message says how to install it; a server that is
there but will not start raises :class:`ClusterFailed`. Callers decide what each means
(the tests skip or fail, the benchmark stops).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from configuration import PostgresDatabase
from tests.warehouses import warehouse_url

SUPERUSER = "postgres"
# A throwaway cluster: durability off for speed (a caller's settings may turn it back on).
THROWAWAY_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class PostgresUnavailable(RuntimeError):
    """The server binaries, or under root the ``postgres`` OS user, are not installed;
    the message says how to install them."""


class ClusterFailed(RuntimeError):
    """The binaries are there but the cluster would not initialise or start; the message
    holds their output and the server's log."""


@dataclass(frozen=True)
class ServerInfo:
    """A running private cluster: where to connect (trust auth, as ``user``), and the
    postmaster's process id and log file, for whoever measures the server."""

    host: str
    port: int
    user: str
    pid: int
    log: Path

    def url(self, database: str) -> str:
        """``database`` on this server, as ``SVW_WAREHOUSE`` takes it."""
        return warehouse_url(
            PostgresDatabase(host=self.host, port=self.port, user=self.user, database=database)
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: from PATH, else Debian's versioned folder."""
    initdb = shutil.which("initdb")
    if initdb is not None and shutil.which("pg_ctl") is not None:
        return Path(initdb).resolve().parent
    candidates = [
        Path(found).parent
        for found in glob.glob("/usr/lib/postgresql/*/bin/initdb")
        if (Path(found).parent / "pg_ctl").exists()
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def _server_owner() -> pwd.struct_passwd | None:
    """The OS user to run the server as: ``postgres`` under root, else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "No `postgres` OS user to run the test PostgreSQL server as (it refuses "
            "root): run `make postgres-server` as root, which creates it"
        ) from None


@contextmanager
def private_cluster(settings: Mapping[str, str] | None = None) -> Iterator[ServerInfo]:
    """A fresh cluster on 127.0.0.1 for the block, stopped and deleted after it.

    ``settings`` are server settings (``-c name=value``) over :data:`THROWAWAY_SETTINGS`.
    Raises :class:`PostgresUnavailable` or :class:`ClusterFailed` before the block runs.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: run `make postgres-server` "
            "as root or with passwordless sudo, or install Debian's postgresql package "
            "(`sudo apt-get install postgresql`)"
        )
    owner = _server_owner()
    as_user = ["runuser", "-u", "postgres", "--"] if owner else []
    # Not under pytest's basetemp: that is private to root, and the server's user must
    # reach its data folder. Short, too: the socket path has a 107-byte limit.
    base = Path(tempfile.mkdtemp(prefix="svw-pg-"))
    if owner:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    port = free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*as_user, str(bin_dir / args[0]), *args[1:]],
            cwd=base,
            capture_output=True,
            text=True,
            timeout=120,
        )

    started = False
    try:
        result = run(
            "initdb",
            "-D",
            str(data),
            "--auth=trust",
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        if result.returncode != 0:
            raise ClusterFailed(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} " + " ".join(
            f"-c {name}={value}"
            for name, value in {**THROWAWAY_SETTINGS, **(settings or {})}.items()
        )
        # -l: the server must not inherit our pipes, or capture_output would wait on it.
        result = run("pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
        started = True
        if result.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise ClusterFailed(
                f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{server_log}"
            )
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        yield ServerInfo("127.0.0.1", port, SUPERUSER, pid, log)
    finally:
        if started:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def create_database(
    name: str, template: str | None = None, *, host: str, port: int, user: str
) -> None:
    """A new, empty database ``name`` (a copy of ``template``, if given), dropped first
    if it is there."""
    con = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"drop database if exists {name}")
            cur.execute(f"create database {name}" + (f" template {template}" if template else ""))
    finally:
        con.close()
