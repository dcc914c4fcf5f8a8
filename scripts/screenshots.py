"""Screenshots of Today and the client survey in each of Huddle's languages (for notes and reviews).

    .venv/bin/python scripts/screenshots.py                    # into docs/screenshots/
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

It migrates a throw-away SQLite database in a temporary folder, loads the demo
(``dashboard.demo.seed_all``, what ``huddle demo`` loads), serves the real app on a free local port
in a thread (``tests.support.web.LiveServer``, as the browser tests do) and drives the system
Chromium with Playwright (``tests.support.browser``'s launch options). For each language of
LANGUAGES (en, pt_BR, es, ru) it takes full-page shots at 1280 px and 375 px wide of:

- Today, logged in as the demo manager with that user's ``locale`` set to the language;
- the survey ``/s/<token>`` of a demo client who reads the language, the link issued by
  ``complaints.intake.survey.issue_link`` (the browser itself says English: the page must follow
  the client, not the browser).

Files are named ``<page>-<lang>-<width>.png`` (``today-pt_BR-375.png``), 16 in all.
"""

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from complaints.intake.survey import issue_link  # noqa: E402
from core import clients  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Client, User  # noqa: E402
from dashboard.demo import seed_all  # noqa: E402
from tests.support.app import make_app, migrate  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS, find_chromium, log_in_demo  # noqa: E402
from tests.support.web import LiveServer  # noqa: E402

MANAGER = "manager@huddle.example"
# A demo client who reads each language (complaints.demo.STORIES).
CLIENTS = {"en": "demo-010", "pt_BR": "demo-001", "es": "demo-004", "ru": "demo-007"}
WIDTHS = (1280, 375)
HEIGHT = 800


def prepare(app) -> dict[str, str]:
    """Load the demo; give each language's client that locale and a survey link. Tokens by language."""
    tokens = {}
    with app.app_context():
        seed_all()
        for code, external_id in CLIENTS.items():
            known = db.session.scalar(sa.select(Client).where(Client.external_id == external_id))
            client = clients.upsert_client(external_id, known.name, locale=code)
            _link, tokens[code] = issue_link(client.id, order_ref=f"ORD-{code}")
        db.session.commit()
    return tokens


def set_locale(app, email: str, code: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(locale=code))
        db.session.commit()


def shoot(page, url: str, path: Path) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(path).format(width=width), full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    executable = find_chromium()
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install -y chromium), or set HUDDLE_CHROMIUM")
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/screenshots.db"
        migrate(url)
        app = make_app(url)
        tokens = prepare(app)
        languages = app.config["LANGUAGES"]
        server = LiveServer(app).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(base_url=server.url, locale="en-US")
                context.set_default_timeout(15_000)
                page = context.new_page()
                set_locale(app, MANAGER, "en")  # log_in waits for the English "Today"
                log_in_demo(page, MANAGER)
                for code in languages:
                    set_locale(app, MANAGER, code)
                    shoot(page, "/", args.out / f"today-{code}-{{width}}.png")
                public = browser.new_context(base_url=server.url, locale="en-US")
                public_page = public.new_page()
                for code in languages:
                    path = args.out / f"survey-{code}-{{width}}.png"
                    shoot(public_page, f"/s/{tokens[code]}", path)
                browser.close()
        finally:
            server.stop()
            with app.app_context():
                db.engine.dispose()
    for path in sorted(args.out.glob("*.png")):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
