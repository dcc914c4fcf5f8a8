"""A survey mail read aloud, as the local SMTP server received it: each score button is named by
its score and meaning in the client's language (a screen reader said "link, 1", "link, 2"…), the
scale is explained before the buttons, the text part labels every link the same way, and the mail
says its language and direction where mail programs keep them."""

from html.parser import HTMLParser

import pytest

from tests.support.api import post_json
from tests.support.smtp import deliver

NAMES = {
    "ru": ["1 из 5, очень плохо", "2 из 5, плохо", "3 из 5, нормально", "4 из 5, хорошо", "5 из 5, отлично"],
    "es": ["1 de 5, muy malo", "2 de 5, malo", "3 de 5, regular", "4 de 5, bueno", "5 de 5, excelente"],
    "en": ["1 of 5, very bad", "2 of 5, bad", "3 of 5, OK", "4 of 5, good", "5 of 5, excellent"],
}  # fmt: skip
SCALE = {
    "ru": "1 — очень плохо, 5 — отлично.",
    "es": "1 es muy malo, 5 es excelente.",
    "en": "1 is very bad, 5 is excellent.",
}


class _Reading(HTMLParser):
    """The mail's elements with their attributes and, for links, their visible text, in order;
    and its text as read, in order."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.links: list[dict] = []
        self.words: list[str] = []
        self._link = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "a":
            self._link = {**dict(attrs), "text": ""}
            self.links.append(self._link)

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data
        self.words.append(data.strip() if self._link is None else f"[{data.strip()}]")


def read(html: str) -> _Reading:
    reading = _Reading()
    reading.feed(html)
    return reading


def mailed_survey(client, api_headers, app, smtp, clock, locale: str):
    body = {
        "client": {"external_id": "crm-r", "name": "Rosa", "email": "rosa@example.com"},
        "send": True,
    }
    body["client"]["locale"] = locale
    assert post_json(client, "/api/v1/survey-links", body, api_headers).json["sent"] is True
    deliver(app, clock)
    (mail,) = smtp.to("rosa@example.com")
    return mail


def score_buttons(reading: _Reading) -> list[dict]:
    return [link for link in reading.links if "/s/" in link["href"] and "score=" in link["href"]]


@pytest.mark.parametrize("locale", ["ru", "es", "en"])
def test_each_score_button_says_its_score_and_meaning_in_the_clients_language(
    app, client, api_headers, smtp, clock, locale
):
    reading = read(mailed_survey(client, api_headers, app, smtp, clock, locale).html)
    buttons = score_buttons(reading)
    assert [b["href"].rsplit("score=", 1)[1] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert [b["aria-label"] for b in buttons] == NAMES[locale]
    assert [b["title"] for b in buttons] == NAMES[locale]  # for mail programs that strip ARIA
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]  # what is seen stays


@pytest.mark.parametrize("locale", ["ru", "es"])
def test_the_scale_is_read_before_the_buttons(app, client, api_headers, smtp, clock, locale):
    words = read(mailed_survey(client, api_headers, app, smtp, clock, locale).html).words
    assert words.index(SCALE[locale]) < words.index("[1]")


@pytest.mark.parametrize("locale", ["ru", "es"])
def test_the_text_part_labels_every_score_link(app, client, api_headers, smtp, clock, locale):
    mail = mailed_survey(client, api_headers, app, smtp, clock, locale)
    urls = [b["href"] for b in score_buttons(read(mail.html))]
    lines = mail.text.splitlines()
    labelled = [f"{name}: {url}" for name, url in zip(NAMES[locale], urls, strict=True)]
    assert all(line in lines for line in labelled), mail.text
    assert lines.index(SCALE[locale]) < lines.index(labelled[0])


@pytest.mark.parametrize("locale, lang", [("ru", "ru"), ("pt_BR", "pt-BR")])
def test_the_mail_says_its_language_and_direction_where_mail_programs_keep_them(
    app, client, api_headers, smtp, clock, locale, lang
):
    """Many mail programs drop ``<html>`` (and its ``lang``): the mail's own box says it again."""
    reading = read(mailed_survey(client, api_headers, app, smtp, clock, locale).html)
    (html,) = [attrs for tag, attrs in reading.elements if tag == "html"]
    assert (html.get("lang"), html.get("dir")) == (lang, "ltr")
    (box,) = [attrs for tag, attrs in reading.elements if attrs.get("role") == "article"]
    assert (box.get("lang"), box.get("dir")) == (lang, "ltr")
    assert box["aria-label"] == mail_subject(locale)


def mail_subject(locale: str) -> str:
    return {"ru": "Как мы справились?", "pt_BR": "Como nos saímos?"}[locale]
