"""Similar wishes while typing: normalised word stems, ranked by overlap (SQLite and PostgreSQL)."""

from tests.support.db import using
from wishes import pages, services, similarity


def test_tokens_fold_case_accents_little_words_and_endings():
    assert similarity.tokens("Exportação de relatórios para o Excel") == {
        "expor",
        "relat",
        "excel",
    }
    assert similarity.tokens("EXPORTACAO dos relatorios") == {"expor", "relat"}
    assert similarity.tokens("I want to export the reports") == {"expor", "repor"}
    assert similarity.tokens("Выгрузка отчётов") == similarity.tokens("выгрузку отчетов")
    assert similarity.tokens("to be or 42") == set()
    assert similarity.tokens(None) == set()


def test_title_key_ignores_case_accents_and_punctuation():
    assert similarity.title_key("Modo  oscuro!") == similarity.title_key("modo OSCURO")
    assert similarity.title_key("Dark mode") != similarity.title_key("Dark modes")


def test_the_closest_wishes_come_first_and_unrelated_ones_not_at_all(app, ask, make_user):
    excel = ask("Export reports to Excel")
    csv = ask("Export orders to CSV")
    ask("Dark mode for the app")
    merged = ask("Excel export of reports")
    with using(app):
        services.merge(merged, excel, make_user("admin"))
        found = pages.similar_wishes("exporting the reports to excel")
    assert [s.id for s in found] == [excel, csv]  # the merged duplicate is not offered
    assert found[0].score > found[1].score
    assert found[0].distinct_clients == 2


def test_similar_wishes_say_when_one_is_already_decided(app, ask, decide_wish):
    wish_id = ask("Pay by cheque")
    decide_wish(wish_id, reason="Banks withdraw cheques")
    with using(app):
        [found] = pages.similar_wishes("cheque payments")
    assert found.id == wish_id and found.decision == "wont_do"
