"""``huddle scheduler`` in a process of its own, as an operator runs it, on a migrated SQLite file."""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dashboard import ROOT
from tests.support.app import migrate


def scheduler_process(tmp_path, **settings) -> subprocess.Popen:
    """The process, its stderr merged into its stdout (text); ``settings`` are HUDDLE_ variables."""
    url = f"sqlite:///{tmp_path}/h.db"
    migrate(url)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HUDDLE_SECRET_KEY": "s" * 40,
        "HUDDLE_BASE_URL": "https://huddle.example.com",
        "HUDDLE_DATABASE_URL": url,
        **settings,
    }
    env.pop("HUDDLE_ENV", None)
    code = "from dashboard.console import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextmanager
def running_scheduler(tmp_path, stop_with=signal.SIGTERM, **settings) -> Iterator[list[str]]:
    """The scheduler once it says "Scheduler running …": yields its lines (the list grows while
    it runs), then stops it with ``stop_with`` (SIGTERM) and fails unless it exits cleanly within a minute."""
    lines: list[str] = []
    started = threading.Event()
    with scheduler_process(tmp_path, **settings) as process:

        def read() -> None:
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("Scheduler running"):
                    started.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert started.wait(60), "\n".join(lines)
            yield lines
            assert process.poll() is None, "\n".join(lines)  # still running until told to stop
            process.send_signal(stop_with)
            assert process.wait(60) == 0, "\n".join(lines)
        finally:
            if process.poll() is None:
                process.kill()
        reader.join(10)
