"""A throw-away PostgreSQL server, started by pytest-postgresql from the machine's binaries.

PostgreSQL refuses to run as root. CI and fresh machines run the suite as root, so there the
server is started as an unprivileged system user (``postgres`` when it exists, else ``nobody``)
through a tiny wrapper around ``pg_ctl``, in a data directory that user owns.
"""

import glob
import os
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor


def find_pg_ctl() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return candidates[0] if candidates else None


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
    def __init__(self, pg_ctl: str, port: int):
        self.workdir = Path(tempfile.mkdtemp(prefix="huddle-pg-"))
        self.workdir.chmod(0o755)
        self.executor = PostgreSQLExecutor(
            executable=_executable_for(pg_ctl, self.workdir),
            host="127.0.0.1",
            port=port,
            datadir=str(self.workdir / "data"),
            unixsocketdir=str(self.workdir),
            logfile=str(self.workdir / "postgresql.log"),
            startparams="-w",
            dbname="huddle_test",
            user="postgres",
            postgres_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        )

    def start(self) -> "ThrowAwayPostgres":
        self.executor.start()
        self.executor.wait_for_postgres()
        return self

    def create_database(self, name: str) -> str:
        DatabaseJanitor(
            user=self.executor.user,
            host=self.executor.host,
            port=self.executor.port,
            dbname=name,
        ).init()
        return f"postgresql+psycopg://{self.executor.user}@127.0.0.1:{self.executor.port}/{name}"

    def stop(self) -> None:
        try:
            self.executor.stop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
