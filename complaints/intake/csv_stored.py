"""The ratings of a CSV file that Huddle already holds: the import skips them, the preview says so.

The same file imported twice, two exports that overlap, or a file holding ratings that came by the
API or a survey would otherwise store those ratings twice, and Insights would count them twice. A
rating's identity, for the import, is its client (the file's ``external_id``, an alias standing
for the client it joined), the instant it occurred, its score and its order reference (no
reference equal to none); its comment, channel and arrival are not part of it. A line repeating
another line of the same file is dropped by the parse (``csv_parse``), which knows no aliases: a
line written with a client's alias and one with the client's own id (or another of its aliases)
are found here once the aliases are known (``repeated_lines``, the preview and the import alike)
and dropped the same way. A rating stored already is dropped here too, before anything is
written, so it opens no complaint and counts in no rollup.

Each check is one statement of set-based SQL that seeks ``ix_ratings_occurred_at_client_id``
(migration 0031) once per line of a client Huddle knows (a new client has no ratings): its cost
follows the file, never the size of ``ratings``.

- The preview (``csv_import.summarize``) and PostgreSQL's import: ``stored_lines``, the lines of
  known clients as one JSON parameter (PostgreSQL: five arrays), answered with the lines already
  stored. PostgreSQL's
  import then leaves those rows out before its second thread builds the ``COPY`` (``csv_bulk``).
- SQLite's import: ``drop_staged``, one ``DELETE … RETURNING`` of the staged rows (the staging
  table ``csv_bulk.stage`` filled) that a stored rating matches, so the complaints, the
  ``INSERT … SELECT`` and the rollup that follow read only the new ones.

The preview's count is what Huddle held when the file was checked; the import counts again in its
own transaction (another import may have run meanwhile), and its result says what it skipped.
Ratings stored twice before this existed stay as they are: removing them is a decision about data.
"""

import json
from collections.abc import Callable, Hashable, Iterable
from itertools import compress
from operator import itemgetter

from complaints.intake.csv_parse import EXTERNAL_ID, LINE, OCCURRED, ORDER_REF, SCORE

STAGING = "import_rows_staging"  # csv_bulk.ROWS
ARRAYS = ("lines", "clients", "times", "scores", "refs")  # PostgreSQL's parameters, in order

# The lines of [line, client id, occurred (UTC text), score, order ref] whose rating is stored.
# SQLite reads them from one JSON parameter; PostgreSQL from five arrays, one per column (its
# server parsed the same lines given as JSON with three times the CPU, and on PostgreSQL the
# server's one core is what an import waits for). The times arrive as text with their offset
# and become a ``timestamptz[]`` in one cast, so each line compares a plain value the index
# seeks (a per-line conversion made PostgreSQL prefer the index on client and received_at);
# every array as one literal (psycopg adapting 500k values one by one, or 100k datetimes, cost
# this process three times the server's whole check).
STORED = {
    False: "SELECT json_extract(value, '$[0]') FROM json_each(?) WHERE EXISTS ("
    "SELECT 1 FROM ratings r WHERE r.client_id = json_extract(value, '$[1]') "
    "AND r.occurred_at = json_extract(value, '$[2]') "
    "AND r.score = json_extract(value, '$[3]') AND r.order_ref IS json_extract(value, '$[4]'))",
    # The score is compared as ``score + 0``, which no index serves: else the planner may take
    # (client_id, received_at, score) for client and score, and read all of a client's ratings
    # for each line.
    True: "SELECT f.line FROM unnest(CAST(%(lines)s AS int[]), CAST(%(clients)s AS int[]), "
    "CAST(%(times)s AS timestamptz[]), CAST(%(scores)s AS int[]), CAST(%(refs)s AS text[])) "
    "AS f(line, client_id, occurred, score, order_ref) WHERE EXISTS (SELECT 1 FROM ratings r "
    "WHERE r.client_id = f.client_id AND r.occurred_at = f.occurred "
    "AND r.score + 0 = f.score AND r.order_ref IS NOT DISTINCT FROM f.order_ref)",
}

# SQLite: the staged rows (their ids already the kept clients') a stored rating matches.
DROP_STAGED = (
    f"DELETE FROM {STAGING} WHERE line IN (SELECT s.line FROM {STAGING} s "  # noqa: S608
    "JOIN clients c ON c.external_id = s.external_id WHERE EXISTS (SELECT 1 FROM ratings r "
    "WHERE r.client_id = c.id AND r.occurred_at = s.occurred_at AND r.score = s.score "
    "AND r.order_ref IS s.order_ref)) RETURNING line"
)


def repeated_lines(
    rows: list[list], aliased: set[str], client: Callable[[str], Hashable]
) -> set[int]:
    """The lines of ``rows`` (in line order, each rating once by its own external id: the parse)
    whose rating an earlier line gives under another id of the same client: an alias and the id
    it stands for, or two aliases of one client. ``aliased`` holds the file's external ids that
    are aliases, ``client`` maps an id to its client (an alias and its kept id to the same).

    No alias, no work: only the lines of a client that an alias of the file names are compared,
    picked by ``compress`` (loops in C), so a file without aliases costs nothing here."""
    if not aliased:
        return set()
    merged = {client(alias) for alias in aliased}
    ids = set(map(itemgetter(EXTERNAL_ID), rows))
    involved = {external_id for external_id in ids if client(external_id) in merged}
    picked = map(involved.__contains__, map(itemgetter(EXTERNAL_ID), rows))
    seen: set[tuple] = set()
    repeated = set()
    for row in compress(rows, picked):
        identity = (client(row[EXTERNAL_ID]), row[OCCURRED], row[SCORE], row[ORDER_REF])
        if identity in seen:
            repeated.add(row[LINE])
        else:
            seen.add(identity)
    return repeated


def stored_lines(connection, rows: list[list], id_of: dict[str, int]) -> set[int]:
    """The lines of ``rows`` whose rating Huddle holds already: one statement on ``connection``
    (the session's), even for none, so that an import makes the same statements for any file.
    ``id_of`` maps the external ids (and aliases) Huddle knows to their client (ids start at 1);
    only those lines are sent, their columns picked by ``map`` and ``compress`` (loops in C)."""
    client_ids = list(map(id_of.get, map(itemgetter(EXTERNAL_ID), rows)))
    known = list(compress(rows, client_ids))
    clients = list(filter(None, client_ids))
    lines, times, scores, refs = (
        list(map(itemgetter(column), known)) for column in (LINE, OCCURRED, SCORE, ORDER_REF)
    )
    if connection.dialect.name == "postgresql":
        columns = [
            _numbers(lines),
            _numbers(clients),
            # UTC whatever the session's time zone; staged times hold no quote or backslash
            '{"' + '+00","'.join(times) + '+00"}' if times else "{}",
            _numbers(scores),
            "{" + ",".join(map(_quoted, refs)) + "}",
        ]
        found = connection.exec_driver_sql(STORED[True], dict(zip(ARRAYS, columns, strict=True)))
    else:
        values = json.dumps(list(zip(lines, clients, times, scores, refs, strict=True)))
        found = connection.exec_driver_sql(STORED[False], (values,))
    return set(found.scalars().all())


def _numbers(values: Iterable[int]) -> str:
    """PostgreSQL's literal of an array of whole numbers."""
    return "{" + ",".join(map(str, values)) + "}"


def _quoted(value: str | None) -> str:
    """An element of PostgreSQL's literal of an array of texts: quoted, its backslashes and quotes
    escaped (so a comma, a brace, a space or the word NULL is the text itself); None is NULL."""
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def drop_staged(connection) -> set[int]:
    """SQLite: delete the staged rows whose rating is stored; returns their lines."""
    return set(connection.exec_driver_sql(DROP_STAGED).scalars())
