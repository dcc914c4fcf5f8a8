"""An agenda item's details written once for its stored snapshot and kept by the process.

An item's details (``_item_refs.html``: the complaints, wishes or action items it is about) follow
from its kind and its ``refs``, the snapshot stored when the agenda was built, and from the
language, timezone and script root they are written for; nothing else. The board polls every few
seconds and writes them for each item on the agenda: kept by a digest of exactly those, they are
written once (issue #16). They hold no form, so no CSRF token.
"""

import hashlib
import json

from markupsafe import Markup

from core.kept_html import kept, written_for

# A board shows a dozen items; a few hundred is every team's agenda of the day in every language.
DETAILS_KEPT = 512
_KEPT: dict[tuple, str] = {}


def kept_item_details(kind: str, refs: dict, write) -> Markup:
    """What ``write(kind, refs)`` (``_live.html``'s ``item_refs``) wrote for this snapshot."""
    snapshot = json.dumps(refs, sort_keys=True, default=str).encode()
    key = (*written_for(), kind, hashlib.blake2b(snapshot, digest_size=16).digest())  # small key
    return Markup(kept(_KEPT, DETAILS_KEPT, key, lambda: write(kind, refs)))  # noqa: S704 (autoescaped)
