"""The stand-up's counted words in each language's real plural forms, not "complaint(s)": the
overnight line read "2 reclamação(ões) aberta(s)" and "21 day(s) old" in every language."""

import pytest
from flask import render_template


def rendered(app, language: str, **context) -> str:
    with app.test_request_context(headers={"Accept-Language": language}):
        return " ".join(render_template("standup/_item_refs.html", **context).split())


OVERNIGHT = {"complaints_opened": 2, "low_ratings": 5, "since": "2025-03-03T09:30:00+00:00"}


@pytest.mark.parametrize(
    "language, overnight, old",
    [
        ("en", "2 complaints opened and 5 low ratings since", "21 days old"),
        ("pt-BR", "2 reclamações abertas e 5 avaliações baixas desde", "há 21 dias"),
        ("es", "2 quejas abiertas y 5 valoraciones bajas desde", "21 días de antigüedad"),
        ("ru", ": открыто 2 жалобы, 5 низких оценок.", "21 день"),
    ],
)
def test_the_agendas_counts_read_in_the_languages_plural_forms(app, language, overnight, old):
    night = rendered(app, language, kind="overnight", refs=OVERNIGHT | {"complaints": []})
    assert overnight in night and "(" not in night
    item = {"text": "Call the courier", "owner_name": "Rita", "age_days": 21}
    actions = rendered(app, language, kind="action_items", refs={"action_items": [item]})
    assert f"· {old}</small>" in actions and "(s)" not in actions


def test_an_overnight_list_cut_short_says_where_the_rest_is(app):
    """ "6 complaints opened" listed five (the agenda keeps the top few) and said nothing more."""
    cut = rendered(app, "en", kind="overnight", refs=OVERNIGHT | {"complaints": []})
    assert "More in the complaint list" in cut and "sort=newest" in cut
    refs = OVERNIGHT | {"complaints_opened": 0, "complaints": []}
    whole = rendered(app, "en", kind="overnight", refs=refs)
    assert "More in the complaint list" not in whole
