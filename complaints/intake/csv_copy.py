"""PostgreSQL's rating rows for the CSV import's ``COPY``, built on a second thread meanwhile.

On PostgreSQL the import is the server's one core writing while this process waits on it: first
the clients (an audit statement, an update, a ``COPY`` of the new ones into five indexes and a
trigram GIN: about 0.5 s of a 100k-rating import), then the ratings. Building the rating rows
(each chunk in time order, its client's id, its time as a datetime, the rollup counted on the
way: ~0.19 s of this process per 100k) needs only the staged rows and every client's id, and
``csv_bulk`` knows every id before it writes any client (the new ones are taken from the sequence
first). So a second thread builds them while the server writes the clients, and the ``COPY`` then
only sends them. The thread does plain Python on plain values and nothing else: no session, no
connection, no app context (this module imports none of them); the main thread alone talks to the
database, in its one transaction, so a failure anywhere still rolls back everything.

A rating whose complaint is opened later (a recent low one: ``held``) is built without it; the
main thread fills its complaint in from ``Chunk.held`` before sending the chunk.
"""

import contextlib
import queue
import threading
from collections.abc import Iterator
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from complaints.intake.csv_parse import COMMENT, EXTERNAL_ID, LINE, OCCURRED, ORDER_REF, SCORE

THREADED = True  # tests turn it off to compare the two ways
# Chunks built and not yet sent, at most: enough to cover the clients' writing (two chunks of a
# 100k import's four), while the built rows in memory stay a few chunks' worth, not the file's.
AHEAD = 2
# a staged time's quarter hour from its minutes: "…10:14:59.5" is in the slot "…10:00:00"
QUARTER = {f"{minute:02d}": f"{minute // 15 * 15:02d}:00.000000+00" for minute in range(60)}
DONE = object()


class Chunk(NamedTuple):
    """One ``COPY``'s ratings in time order (``csv_bulk.RATING_COLUMNS``; complaint None)."""

    rows: list[tuple]
    held: dict[int, int]  # line → its index in ``rows``, for the lines whose complaint comes later


def build(
    rows: list[list], id_of: dict[str, int], held: set[int], size: int, slots: dict
) -> Iterator[Chunk]:
    """The ratings of ``rows``, ``size`` lines a chunk, each chunk sorted by time (stable: ties in
    line order); the rollup's counts go into ``slots`` (quarter hour → [slot, score_1 … 5])."""
    by_time = itemgetter(OCCURRED)
    instant_of = datetime.fromisoformat
    for start in range(0, len(rows), size):
        built = []
        append = built.append
        where = {}
        for row in sorted(rows[start : start + size], key=by_time):
            at = row[OCCURRED]
            instant = instant_of(at + "+00:00")
            score = row[SCORE]
            if row[LINE] in held:
                where[row[LINE]] = len(built)
            append(
                (
                    id_of[row[EXTERNAL_ID]],
                    score,
                    row[COMMENT],
                    "import",
                    row[ORDER_REF],
                    instant,
                    instant,
                    None,
                )
            )
            slot = at[:14] + QUARTER[at[14:16]]
            counts = slots.get(slot)
            if counts is None:
                counts = slots[slot] = [slot, 0, 0, 0, 0, 0]
            counts[score] += 1
        yield Chunk(built, where)


class RatingRows:
    """``build``'s chunks, on a thread of their own (``THREADED``) or as they are asked for.

    Iterating gives the chunks in order, each as soon as it is built; an error of the thread is
    raised here, in the main thread. The thread builds at most ``AHEAD`` chunks ahead of what has
    been taken (a million-line file is not held built twice). ``slots`` is complete once every
    chunk has been taken. ``close`` stops the thread early (the import failed meanwhile) and waits
    for it.
    """

    def __init__(self, rows: list[list], id_of: dict[str, int], held: set[int], size: int):
        self.slots: dict[str, list] = {}
        self._chunks = build(rows, id_of, held, size, self.slots)
        self._thread = None
        if THREADED:
            self._queue: queue.Queue = queue.Queue(maxsize=AHEAD)
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="import-rows", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            for chunk in self._chunks:
                if self._stop.is_set():
                    break
                self._queue.put(chunk)
        except BaseException as problem:  # handed to the main thread, raised there
            self._queue.put(problem)
        self._queue.put(DONE)

    def __iter__(self) -> Iterator[Chunk]:
        if self._thread is None:
            yield from self._chunks
            return
        while (item := self._queue.get()) is not DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            while self._thread.is_alive():  # a thread waiting to put a chunk: take it, let it end
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.05)
            self._thread.join()
