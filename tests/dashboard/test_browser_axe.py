"""axe-core (WCAG 2.1 A and AA) finds nothing on the main pages of every role, in the light and the
dark scheme, the live and the finished stand-up board included (issue #15).

axe-core comes from npm like htmx (``make assets`` copies it next to them); no page links it: the
test runs it in the page through the DevTools protocol, which the strict CSP does not block.
"""

import json

import pytest

from tests.support.browser import axe_check, log_in_demo


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_public_pages_pass_axe(page, urls, scheme):
    page.emulate_media(color_scheme=scheme)
    found = axe_check(page, urls["public"])
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.parametrize(
    "scheme, role, email",
    [
        ("light", "admin", "admin@huddle.example"),
        ("dark", "admin", "admin@huddle.example"),
        ("light", "agent", "agent@huddle.example"),
        ("dark", "manager", "manager@huddle.example"),
    ],
)
def test_every_page_of_a_role_passes_axe(page, urls, scheme, role, email):
    page.emulate_media(color_scheme=scheme)
    log_in_demo(page, email)
    found = axe_check(page, urls[role])
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_every_admin_page_passes_axe_on_a_phone(page, urls):
    """At 375 px the wide tables scroll in their boxes; a keyboard must reach and scroll each one
    (axe's scrollable-region-focusable), however few links it holds."""
    page.set_viewport_size({"width": 375, "height": 740})
    log_in_demo(page, "admin@huddle.example")
    extra = {"clients": "/clients/", "audit": "/admin/audit/", "wish": "/wishes/1"}
    found = axe_check(page, {**urls["admin"], **extra})
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
