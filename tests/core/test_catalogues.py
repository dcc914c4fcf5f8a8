"""Every string ships in all four languages, and no template shows text that cannot be translated."""

import ast
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("pt_BR", "es", "ru")
BRAND = {"Huddle"}


def catalogue(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def translations(language: str) -> list[str]:
    """Every translated text of a language, each plural form on its own."""
    texts = []
    for message in catalogue(language):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.extend(text for text in forms if text)
    return texts


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> set:
    """What the code marks for translation today, extracted as `make messages` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"),
            *("-k", "_l", "-k", "lazy_ngettext:1,2", "-o", str(pot), "."),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as template:
        return {message.id for message in read_po(template) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated(marked, language):
    found = catalogue(language)
    missing = sorted(str(m) for m in marked if found.get(m) is None)[:10]
    assert missing == [], f"run `make messages` and translate: {missing}"
    untranslated = [
        str(message.id)[:60]
        for message in found
        if message.id
        and (
            "fuzzy" in message.flags
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_plurals_use_the_languages_real_forms(language):
    found = catalogue(language)
    plurals = [m for m in found if m.id and isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == found.num_plurals for m in plurals)
    if language == "ru":  # one, few, many really differ: клиент, клиента, клиентов
        assert all(len(set(m.string)) == 3 for m in plurals)


# "complaint(s)", "reclamação(ões)", "queja(s)", "оценк(и)": a plural faked with a bracketed ending.
# ``ngettext`` gives each language its real forms (Russian has three); the stand-up's overnight
# line read "2 reclamação(ões) aberta(s)". (A bracketed gender, Russian "написал(а)", is the
# language's own convention for a person of unknown gender, not a plural.)
FAKED_PLURAL = {
    "en": r"[a-z]\((s|es)\)",
    "pt_BR": r"[^\W\d_]\((s|es|ões|ns|is)\)",
    "es": r"[^\W\d_]\((s|es)\)",
    "ru": r"[^\W\d_]\((ы|и|ов|ей|ев)\)",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_string_fakes_a_plural_with_a_bracketed_ending(marked, language):
    faked = [str(m) for m in marked if re.search(FAKED_PLURAL["en"], str(m))]
    faked += [text for text in translations(language) if re.search(FAKED_PLURAL[language], text)]
    assert faked == []


# The variables our strings give a date or a moment to (``day``, ``moment``, ``heading_day``).
DATE_VARIABLES = {"date", "day", "since", "start", "end", "first", "last", "until", "due", "when"}


def test_a_russian_date_ends_its_sentence_itself():
    """Russian dates end in "г." ("18 дек. 2026 г."), so a sentence that adds its own full stop
    after one reads "г..": the survey mail's "Ссылка действует до 18 дек. 2026 г.." did."""
    doubled = [
        text
        for text in translations("ru")
        if any(f"%({name})s." in text for name in DATE_VARIABLES)
    ]
    assert doubled == []


# One name per thing in each language. Most messages said "reunião diária", "reunión diaria",
# "летучка" for the stand-up, and nine in each still said "stand-up" ("стендап"; the end button's
# question and the invitation said "планёрка"); Portuguese said
# "avaliação baixa" for a low rating but "nota baixa" on Today and the stand-up's overnight line.
SECOND_NAMES = {
    "pt_BR": ("stand-up", "nota baixa", "notas baixas"),
    "es": ("stand-up",),
    "ru": ("стендап", "планёрк"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_thing_has_one_name_in_each_language(language):
    mixed = [
        text
        for text in translations(language)
        if any(name in text.lower() for name in SECOND_NAMES[language])
    ]
    assert mixed == []


# Spanish speaks to staff and to our clients alike with "tú", as the pages always did; the mails,
# the unsubscribe page and the password pages said "usted" ("Si fue usted, ignore este correo").
USTED = re.compile(
    r"\b(usted|ha iniciado|está invitado|le escribió|indique|elija su|envíele|ignore este|confirme|le ayudó|le enviaremos|recibirá)\b",
    re.I,
)


def test_spanish_says_tu_everywhere():
    assert [text for text in translations("es") if USTED.search(text)] == []


# The head of support may be a woman (the demo's is Helena): no "o chefe", no "он свяжется".
def test_the_head_of_support_has_no_gender():
    assert [text for text in translations("pt_BR") if "chefe do suporte" in text] == []
    assert [text for text in translations("ru") if "поддержки — он" in text] == []


class _Texts(HTMLParser):
    """Text nodes and human-readable attributes, with Jinja's own tags blanked out first."""

    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self._check(data)

    def _check(self, text):
        words = set(re.findall(r"[^\W\d_]{2,}", text)) - BRAND
        if words:
            self.found.append((self.getpos()[0], text.strip()))


def test_templates_show_no_unmarked_text():
    jinja = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
    unmarked = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        texts = _Texts()
        texts.feed(jinja.sub(" ", path.read_text()))
        unmarked += [f"{path.relative_to(ROOT)}:{line}: {text[:60]}" for line, text in texts.found]
    assert unmarked == []


TRANSLATING = {"_", "_l", "gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "pgettext"}
PACKAGES = ("complaints", "core", "dashboard", "slack", "standup", "wishes")


def _translating(node) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) in TRANSLATING


def test_no_marked_string_hides_inside_anothers_arguments():
    """pybabel does not extract a string marked inside another's arguments: Slack's "see them all
    in Huddle" and "in Huddle" stayed English in every language. Mark each on its own first."""
    nested = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for call in filter(_translating, ast.walk(ast.parse(path.read_text(encoding="utf-8")))):
                inside = [*call.args, *(keyword.value for keyword in call.keywords)]
                if any(_translating(node) for part in inside for node in ast.walk(part)):
                    nested.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert nested == []


IMPORTED = re.compile(
    r"""\{%-?\s*(?:from\s+["']([^"']+)["']\s+import|import\s+["']([^"']+)["'])([^%]*)%\}"""
)
SAYS = re.compile(r"""\b(?:_|gettext|ngettext|pgettext)\(""")


def test_a_template_imported_without_context_says_nothing_itself():
    """Jinja keeps a template imported without context for the whole process, and the catalogue
    its strings found on their first use with it: Insights' cards and charts came in whichever
    language first opened the page since the start ("предыдущий период" to an English admin).
    Such a template takes its words as arguments; one that says anything is imported with context."""
    templates = ROOT / "templates"
    speaking = []
    for path in templates.rglob("*.html"):
        for match in IMPORTED.finditer(path.read_text(encoding="utf-8")):
            name, rest = match[1] or match[2], match[3]
            if "with context" in rest:
                continue
            if SAYS.search((templates / name).read_text(encoding="utf-8")):
                speaking.append(f"{path.relative_to(templates)} imports {name}")
    assert speaking == []
