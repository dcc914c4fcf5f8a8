"""``huddle scheduler`` stops from its own loop: a signal only raises a flag (``ForegroundScheduler``)."""

import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.scheduler.foreground import STOP_CHECK_SECONDS, ForegroundScheduler
from tests.support.scheduler import running_scheduler


def test_a_stop_asked_while_a_job_runs_returns_once_it_finished():
    """start() returned (and the process exited) with a job half done, or never returned."""
    scheduler = ForegroundScheduler(timezone=UTC)
    started, finished, said = threading.Event(), [], []

    def job() -> None:
        started.set()
        time.sleep(1.5)
        finished.append(time.monotonic())

    def ask() -> None:
        assert started.wait(30)
        scheduler.ask_to_stop(lambda: said.append(time.monotonic()))

    scheduler.add_job(job, "date", run_date=datetime.now(UTC) + timedelta(seconds=0.2))
    asker = threading.Thread(target=ask)
    asker.start()
    scheduler.start()
    returned = time.monotonic()
    asker.join()
    assert finished and said and said[0] < finished[0] <= returned
    assert not scheduler.running


def test_a_stop_asked_before_the_start_runs_no_job():
    """Told while catching up, it does not start: the due jobs are left to the next scheduler."""
    scheduler = ForegroundScheduler(timezone=UTC)
    ran = []
    scheduler.add_job(ran.append, "date", args=[1], run_date=datetime.now(UTC))
    scheduler.ask_to_stop()
    began = time.monotonic()
    scheduler.start()
    assert ran == [] and not scheduler.running
    assert time.monotonic() - began < STOP_CHECK_SECONDS


def test_an_idle_scheduler_sees_the_stop_within_a_second():
    """With no job due for a day the loop slept the whole day through the flag."""
    scheduler = ForegroundScheduler(timezone=UTC)
    scheduler.add_job(print, "date", run_date=datetime.now(UTC) + timedelta(days=1))
    threading.Timer(0.3, scheduler.ask_to_stop).start()
    began = time.monotonic()
    scheduler.start()
    assert time.monotonic() - began < 0.3 + STOP_CHECK_SECONDS + 0.5


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_process_says_it_is_stopping_then_stops(tmp_path, signum):
    """Ctrl+C ends it as SIGTERM does (a KeyboardInterrupt raised wherever the main thread was
    could leave APScheduler's pool lock held); two starts, each told as soon as it runs."""
    name = signal.Signals(signum).name
    for _ in range(2):
        with running_scheduler(tmp_path, stop_with=signum) as lines:
            pass
        assert lines[-2:] == [
            f"{name}: stopping once the running jobs finish.",
            "Scheduler stopped.",
        ]
        assert not any("Traceback" in line for line in lines), "\n".join(lines)
