"""The scheduler of ``huddle scheduler``: APScheduler's blocking one, stopped by its own loop.

A signal handler runs in the main thread wherever that was. Shutting the scheduler down there (or
from a thread it started) met APScheduler's locks and job store mid-work: the main thread was at
times inside the executor's lock, which the shutdown then waited for, for ever; or a shutdown
emptied the job store while the loop was removing a finished one-shot job (``JobLookupError``).
So the handler only raises a flag (a plain write, no lock), the loop looks at it at least once a
second, and the loop itself shuts the scheduler down: the running jobs finish first, in the thread
that owns the job store.
"""

from collections.abc import Callable

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler

# How long a stop request waits at most for the loop to see it.
STOP_CHECK_SECONDS = 1.0


class ForegroundScheduler(BlockingScheduler):
    """``start()`` blocks until ``ask_to_stop()``, then returns once the running jobs finished."""

    stop_asked = False
    announce_stop: Callable[[], None] | None = None

    def ask_to_stop(self, announce: Callable[[], None] | None = None) -> None:
        """Safe in a signal handler: it takes no lock and touches no APScheduler state.
        ``announce`` is called by the loop when it sees the request (a handler must not write
        to a stream the interrupted code may be writing to)."""
        self.announce_stop = announce
        self.stop_asked = True

    def _main_loop(self) -> None:
        wait_seconds = STOP_CHECK_SECONDS
        while self.state != STATE_STOPPED and not self.stop_asked:
            # None: no job is due at all; still wake up to look at the flag.
            if wait_seconds is None or wait_seconds > STOP_CHECK_SECONDS:
                wait_seconds = STOP_CHECK_SECONDS
            self._event.wait(wait_seconds)
            self._event.clear()
            if not self.stop_asked:
                wait_seconds = self._process_jobs()
        if self.state != STATE_STOPPED:
            if self.announce_stop is not None:
                self.announce_stop()
            self.shutdown(wait=True)
