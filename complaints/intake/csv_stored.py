"""The ratings of a CSV file that Huddle already holds: the import skips them, the preview says so.

The same file imported twice, two exports that overlap, or a file holding ratings that came by the
API or a survey would otherwise store those ratings twice, and Insights would count them twice. A
rating's identity, for the import, is its client (the file's ``external_id``, an alias standing
for the client it joined), the instant it occurred, its score and its order reference (no
reference equal to none); its comment, channel and arrival are not part of it. A line repeating
another line of the same file is dropped by the parse (``csv_parse``); a rating stored already is
dropped here, before anything is written, so it opens no complaint and counts in no rollup.

Each check is one statement of set-based SQL that seeks ``ix_ratings_client_id_occurred_at``
(migration 0031) once per line of a client Huddle knows (a new client has no ratings): its cost
follows the file, never the size of ``ratings``.

- The preview (``csv_import.summarize``) and PostgreSQL's import: ``stored_lines``, the lines of
  known clients as one JSON parameter, answered with the lines already stored. PostgreSQL's
  import then leaves those rows out before its second thread builds the ``COPY`` (``csv_bulk``).
- SQLite's import: ``drop_staged``, one ``DELETE … RETURNING`` of the staged rows (the staging
  table ``csv_bulk.stage`` filled) that a stored rating matches, so the complaints, the
  ``INSERT … SELECT`` and the rollup that follow read only the new ones.

The preview's count is what Huddle held when the file was checked; the import counts again in its
own transaction (another import may have run meanwhile), and its result says what it skipped.
Ratings stored twice before this existed stay as they are: removing them is a decision about data.
"""

import json
from operator import itemgetter

from complaints.intake.csv_parse import EXTERNAL_ID, LINE, OCCURRED, ORDER_REF, SCORE

STAGING = "import_rows_staging"  # csv_bulk.ROWS

# The lines of [line, client id, occurred (UTC text), score, order ref] whose rating is stored.
STORED = {
    False: "SELECT json_extract(value, '$[0]') FROM json_each(?) WHERE EXISTS ("
    "SELECT 1 FROM ratings r WHERE r.client_id = json_extract(value, '$[1]') "
    "AND r.occurred_at = json_extract(value, '$[2]') "
    "AND r.score = json_extract(value, '$[3]') AND r.order_ref IS json_extract(value, '$[4]'))",
    # The staged time is UTC: read as such whatever the session's time zone. The score is compared
    # as ``score + 0``, which no index serves: else the planner may take (client_id, received_at,
    # score) for client and score, and read all of a client's ratings for each line.
    True: "SELECT (v ->> 0)::int FROM json_array_elements(CAST(%(json)s AS json)) AS v WHERE EXISTS ("
    "SELECT 1 FROM ratings r WHERE r.client_id = (v ->> 1)::int "
    "AND r.occurred_at = ((v ->> 2)::timestamp AT TIME ZONE 'UTC') "
    "AND r.score + 0 = (v ->> 3)::int AND r.order_ref IS NOT DISTINCT FROM (v ->> 4))",
}

# SQLite: the staged rows (their ids already the kept clients') a stored rating matches.
DROP_STAGED = (
    f"DELETE FROM {STAGING} WHERE line IN (SELECT s.line FROM {STAGING} s "  # noqa: S608
    "JOIN clients c ON c.external_id = s.external_id WHERE EXISTS (SELECT 1 FROM ratings r "
    "WHERE r.client_id = c.id AND r.occurred_at = s.occurred_at AND r.score = s.score "
    "AND r.order_ref IS s.order_ref)) RETURNING line"
)

_IDENTITY = itemgetter(LINE, OCCURRED, SCORE, ORDER_REF)


def stored_lines(connection, rows: list[list], id_of: dict[str, int]) -> set[int]:
    """The lines of ``rows`` whose rating Huddle holds already: one statement on ``connection``
    (the session's), even for none, so that an import makes the same statements for any file.
    ``id_of`` maps the external ids (and aliases) Huddle knows to their client; only those lines
    are sent."""
    found = id_of.get
    lines = []
    for row in rows:
        client_id = found(row[EXTERNAL_ID])
        if client_id is not None:
            line, occurred, score, order_ref = _IDENTITY(row)
            lines.append((line, client_id, occurred, score, order_ref))
    postgresql = connection.dialect.name == "postgresql"
    text = json.dumps(lines, ensure_ascii=False)
    found = connection.exec_driver_sql(
        STORED[postgresql], {"json": text} if postgresql else (text,)
    )
    return set(found.scalars())


def drop_staged(connection) -> set[int]:
    """SQLite: delete the staged rows whose rating is stored; returns their lines."""
    return set(connection.exec_driver_sql(DROP_STAGED).scalars())
