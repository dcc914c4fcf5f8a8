"""The link walker: every GET page of the app, as every role and anonymous, gets garbage in its
query and in its headers.

The form walker (``test_form_walker``) covers what people post; this covers what they type into the
address bar or keep in an old bookmark (every query argument a view reads, nasty values in each),
and what any client may put in a header (languages, htmx's headers, cookies, caching, proxies).
URL arguments are real ids of the demo data. No answer may be a 5xx.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from tests.dashboard.test_form_walker import NASTY, failure, visits

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = ("/slack/", "/api/", "/static/")
# NASTY's numbers and days, what views parse rather than show: each argument gets these on its own too.
PARSED = NASTY[2:10]
HEADERS = [
    {"Accept-Language": "*;q=x, \x7f, ru-RU;q=1e999, zz-ZZZZ-1234567890"},
    {"Accept-Language": "pt-BR;q=0.9, es;q=-1, ru;q=nan, " + "x" * 9000},
    {"HX-Request": "true", "HX-Current-URL": "http://[::1"},
    {"HX-Request": "true", "HX-Current-URL": "javascript:alert(1)//", "HX-Target": "\x7f" * 99},
    {"Cookie": "session=garbage.garbage.garbage; remember_token=1.1|abc"},
    {"Cookie": "remember_token=" + "9" * 40 + "." + "9" * 30 + "|x; lang=zz; tz=Europe/Nowhere"},
    {"Referer": "http://[::1", "User-Agent": "\x7f" * 10, "X-Forwarded-For": "no, ::::"},
    {"If-Modified-Since": "Sun, 99 Foo 99999 99:99:99 GMT", "Range": "bytes=99999999999999999999-"},
]
READ = re.compile(r"""args\.get(?:list)?\(\s*["']([a-z_]+)["']|_arg\(\s*["']([a-z_]+)["']""")


def _query_names() -> set[str]:
    """Every query argument a view or page reads, found in the code so a new one is walked too."""
    names = set()
    for package in ("complaints", "core", "dashboard", "standup", "wishes", "slack"):
        for path in (ROOT / package).rglob("*.py"):
            for match in READ.finditer(path.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    return names


def _get_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and not rule.rule.startswith(SKIPPED):
            yield rule


def test_query_names_are_found():
    assert {"q", "view", "page", "lang", "next"} <= _query_names()


def test_no_page_answers_5xx_to_garbage_in_its_query(app):
    """Everyone gets every nasty value in all arguments at once; the admin, who sees every page,
    also gets each number and day on its own in each argument, so that one argument refused early
    cannot hide another. That second pass parses in Python whatever the database, so it runs on
    SQLite only; PostgreSQL's narrower integers still get every value in the first."""
    names = sorted(_query_names())
    on_sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    failures = []
    for url, who, client in visits(app, _get_rules(app)):
        for number, value in enumerate(NASTY):
            headers = {"HX-Request": "true"} if number % 2 else {}
            one_by_one = who == "admin" and value in PARSED and on_sqlite
            for query in [names, *([name] for name in names if one_by_one)]:
                query = dict.fromkeys(query, value)
                wrong = failure(client.get, url, query_string=query, headers=headers)
                if wrong:
                    failures.append(
                        f"{url}?{'&'.join(query)}= as {who} with {value[:20]!r}: {wrong}"
                    )
    assert failures == []


def test_no_page_answers_5xx_to_garbage_in_its_headers(app):
    failures = []
    for url, who, client in visits(app, _get_rules(app)):
        for headers in HEADERS:
            if wrong := failure(client.get, url, headers=headers):
                failures.append(f"{url} as {who} with {sorted(headers)}: {wrong}")
    assert failures == []


class _Ids(HTMLParser):
    """The ids a page gives (hidden inputs' aside: nothing can label, describe or focus them, and
    every form carries its own ``csrf_token``) and the ids its labels and ARIA attributes name."""

    POINTING = ("for", "aria-describedby", "aria-labelledby", "aria-controls")

    def __init__(self, html: str):
        super().__init__()
        self.given: list[str] = []
        self.named: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes and not (tag == "input" and attributes.get("type") == "hidden"):
            self.given.append(attributes["id"])
        for name in self.POINTING:
            self.named.update((attributes.get(name) or "").split())


def test_every_page_names_each_element_once_and_points_at_real_ones(app):
    """Two forms' fields with one id: the stand-up's decision was labelled by the action item's
    label, and focus went back to the wrong form. Every page, as everyone, has unique ids, and
    each label, description and control it names by id is on the page."""
    failures = []
    for url, who, client in visits(app, _get_rules(app)):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = _Ids(response.text)
        twice = sorted({i for i in page.given if page.given.count(i) > 1})
        missing = sorted(page.named - set(page.given))
        if twice or missing:
            failures.append(f"{url} as {who}: ids twice {twice}, pointing nowhere {missing}")
    assert failures == []
