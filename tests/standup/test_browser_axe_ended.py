"""axe-core (WCAG 2.1 A and AA) on a stand-up board just ended, still inside its undo window: the
facilitator's board with its Undo button and an agent's board with the note that the facilitator can
still reopen it, in the light and the dark scheme (issue #15's check, on the state #17 walks through).
"""

import json

from tests.support.browser import log_in, second_screen, start_then_end_standup, violations
from tests.support.standup import crew_fixture

crew = crew_fixture(
    "axe-crew",
    "Axe Crew",
    [
        ("agent", "axe-lead@example.com", "Ada Lead"),
        ("agent", "axe-agent@example.com", "Abel Agent"),
    ],
)


def found_in(page) -> dict[str, list]:
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_timeout(500)  # past Pico's colour transition (axe once read 4.1:1 midway)
        found[scheme] = violations(page)
    return {scheme: problems for scheme, problems in found.items() if problems}


def test_a_board_just_ended_passes_axe_for_the_facilitator_and_an_agent(
    page, chromium, live_server, crew
):
    log_in(page, "axe-lead@example.com")
    page.goto("/standup/axe-crew/")
    page.get_by_text("Facilitator: Ada Lead").wait_for()
    start_then_end_standup(page)
    agent = second_screen(chromium, live_server, "axe-agent@example.com", page.url)
    agent.get_by_text("The facilitator can still reopen it until").wait_for()
    assert agent.get_by_role("button", name="Undo: reopen the stand-up").count() == 0

    found = {"facilitator": found_in(page), "agent": found_in(agent)}
    agent.context.close()
    assert found == {"facilitator": {}, "agent": {}}, json.dumps(
        found, indent=1, ensure_ascii=False
    )
