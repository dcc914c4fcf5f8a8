"""A throw-away PostgreSQL server, started with the machine's own ``pg_ctl`` (no test plugin).

PostgreSQL refuses to run as root. CI and fresh machines run the suite as root, so there the
server is started as an unprivileged system user (``postgres`` when it exists, else ``nobody``)
through a tiny wrapper around ``pg_ctl``, in a data directory that user owns.
"""

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

USER = "postgres"
LOCALE = {"LC_ALL": "C.UTF-8", "LC_CTYPE": "C.UTF-8", "LANG": "C.UTF-8"}
# Durability is worth nothing for a server thrown away after the run, and costs seconds.
SPEED = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def find_pg_ctl() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    """A TCP port nobody listens on right now: the one the kernel picks for port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and neither a 'postgres' nor a 'nobody' user exists")


def _executable_for(pg_ctl: str, workdir: Path) -> str:
    if os.geteuid() != 0:
        return pg_ctl
    user = _unprivileged_user()
    os.chown(workdir, user.pw_uid, user.pw_gid)
    wrapper = workdir / "pg_ctl_as_user"
    wrapper.write_text(
        f"#!/bin/sh\ncd /\nexec setpriv --reuid={user.pw_uid} --regid={user.pw_gid} --clear-groups "
        f'"{pg_ctl}" "$@"\n'
    )
    wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return str(wrapper)


class ThrowAwayPostgres:
    """``initdb`` into a temporary directory, ``pg_ctl start -w``, ``CREATE DATABASE`` per need."""

    def __init__(self, pg_ctl: str, port: int):
        self.port = port
        self.workdir = Path(tempfile.mkdtemp(prefix="huddle-pg-"))
        self.workdir.chmod(0o755)
        self.pg_ctl = _executable_for(pg_ctl, self.workdir)
        self.datadir = self.workdir / "data"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [self.pg_ctl, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **LOCALE},
        )
        if done.returncode != 0:
            log = self.workdir / "postgresql.log"
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"pg_ctl {args[0]} failed:\n{done.stdout}{done.stderr}{detail}")

    def start(self) -> "ThrowAwayPostgres":
        options = (
            f"-F -p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories='{self.workdir}' {SPEED}"
        )
        logfile = str(self.workdir / "postgresql.log")
        try:
            self._run("initdb", "-D", str(self.datadir), "-o", f"--username={USER} --auth=trust")
            self._run("start", "-w", "-D", str(self.datadir), "-o", options, "-l", logfile)
        except BaseException:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        return self

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("stop", "-w", "-m", "fast", "-D", str(self.datadir))
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
