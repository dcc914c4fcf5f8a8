"""Headless system Chromium driven by Playwright (no browser download: the machine's own build),
and the steps every browser test shares."""

import os
import shutil
from pathlib import Path

from core.demo import DEMO_PASSWORD
from tests.support import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A phone's screen: no page may be wider (tests/dashboard/test_browser_phone.py).
PHONE = {"width": 375, "height": 740}
# axe-core, copied by ``make assets`` beside htmx; run in a page through the DevTools protocol.
AXE = Path(__file__).parents[2] / "dashboard" / "static" / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map((n) => [n.target.join(" "), n.failureSummary]),
  }));
}"""


def violations(page) -> list[dict]:
    page.wait_for_load_state("load")
    page.evaluate(AXE.read_text())
    return page.evaluate(RUN_AXE)


def described(problems: list[dict]) -> list[str]:
    """axe's violations as lines a failing assertion shows: rule, impact, element, what to fix."""
    return [
        f"{v['id']} ({v['impact']}): {target}: {summary}"
        for v in problems
        for target, summary in v["nodes"]
    ]


def axe_check(page, pages: dict[str, str]) -> dict[str, list]:
    """What axe finds on each page ``{name: url}``, by name; pages without a finding are left out."""
    found = {}
    for name, url in pages.items():
        page.goto(url)
        problems = violations(page)
        if problems:
            found[name] = described(problems)
    return found


def page_width(page) -> int:
    """How wide the page is laid out, in CSS pixels: more than the viewport means it scrolls.
    Measured once loaded: right after a form's answer appears, a phone's page could still be
    laid out at the browser's default width (443 px once in CI, before its viewport applied)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def find_chromium() -> str | None:
    configured = os.environ.get("HUDDLE_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form and wait for Today, where every login lands."""
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Today").wait_for()
    page.wait_for_load_state("load")  # stylesheets applied: what is hidden is hidden


def follow(page, link) -> None:
    """Click ``link``, to another page, and wait for that page's ``load`` event: its deferred
    scripts have then run, so htmx has wired its forms and ``page.url`` is the new page's. A
    click does not wait for the page it opens, and a click on an htmx form before htmx has run
    is a plain form post (which works, but is not what the test drives)."""
    left = page.url
    link.click()
    page.wait_for_url(lambda url: url != left, wait_until="load")


def log_in_demo(page, email: str) -> None:
    """Log in as one of the demo people (``dashboard.demo.seed_all``)."""
    log_in(page, email, DEMO_PASSWORD)


def take_rated_complaint(page, client_name: str, owner_name: str, score: int) -> None:
    """From the desk, take the complaint a low rating opened ("I'll call them", swapped in place
    by htmx) and open it."""
    page.goto("/complaints/")
    row = page.locator("tr", has_text=client_name)
    row.get_by_role("button", name="I'll call them").click()
    row.get_by_text(owner_name).wait_for()  # swapped in place by htmx
    follow(page, row.get_by_role("link", name=f"Rated {score}/5"))


def log_reached_call(page, notes: str) -> None:
    """On a complaint's page, log a call that reached the client and wait for it in the log."""
    page.get_by_label("Call", exact=True).check()
    page.get_by_label("Reached them").check()
    page.get_by_label("Notes").fill(notes)
    page.get_by_role("button", name="Log contact").click()
    page.get_by_role("cell", name=notes).wait_for()


def second_screen(chromium, live_server, email: str, url: str):
    """Another person's browser on the same page (a context of its own: its own session), logged
    in as ``email`` and showing ``url``. Close it with ``page.context.close()``."""
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, email)
    page.goto(url)
    return page


def start_then_end_standup(page):
    """On an open board: start the stand-up, end it (the confirm accepted) and return its Undo
    button, once shown."""
    page.get_by_role("button", name="Start the stand-up").click()
    page.get_by_role("button", name="Next item").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End the stand-up").click()
    undo = page.get_by_role("button", name="Undo: reopen the stand-up")
    undo.wait_for()
    return undo
