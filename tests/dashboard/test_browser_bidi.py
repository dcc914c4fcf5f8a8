"""A client's Arabic words on the open list read in their own direction, in the real Chromium.

``test_typed_text_bidi`` checks the markup of every page; this checks that Chromium lays it out as
meant, at a phone's width: the client's name is isolated (``unicode-bidi: isolate``), and in "Rated
2/5: <words>" the "!" the client typed at the end of their words stands at their left, where
Arabic ends, not at the far right, where the English sentence around them would have put it.
"""

import sqlalchemy as sa

from complaints.models import Complaint
from core.extensions import db
from core.models import Client
from tests.support.browser import PHONE, page_width
from tests.support.browser import log_in_demo as log_in

NAME = "مريم الحسن"
WORDS = "وصل الطلب بعد 3 أيام!"
# Where, across the line, a character of the client's words is drawn: the text node holding them
# is found whatever wraps it, so the check holds (and fails) with or without the isolation.
DRAWN_AT = """([words, offset]) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(words);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at + offset);
    range.setEnd(node, at + offset + 1);
    const box = range.getBoundingClientRect();
    return [box.left, box.right];
  }
  return null;
}"""


def test_a_clients_arabic_words_keep_their_direction_on_the_open_list(page, urls, live_app):
    page.set_viewport_size(PHONE)
    log_in(page, "manager@huddle.example")
    page.goto(urls["manager"]["complaints"])
    row_id = page.locator("tr[id^=complaint-row-]").first.get_attribute("id")
    complaint_id = int(row_id.removeprefix("complaint-row-"))
    with live_app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint.summary_words, complaint.summary_kind = WORDS, "rated"
        complaint.summary_params = {"score": 2}
        db.session.execute(
            sa.update(Client).where(Client.id == complaint.client_id).values(name=NAME)
        )
        db.session.commit()

    page.goto(urls["manager"]["complaints"])
    row = page.locator(f"#{row_id}")
    name = row.locator("bdi", has_text=NAME)
    assert name.evaluate("element => getComputedStyle(element).unicodeBidi") == "isolate"
    assert row.get_by_text("Rated 2/5:").count() == 1
    bang_left, _ = page.evaluate(DRAWN_AT, [WORDS, len(WORDS) - 1])
    _, last_letter_right = page.evaluate(DRAWN_AT, [WORDS, len(WORDS) - 2])
    assert bang_left < last_letter_right  # the "!" ends the Arabic on its left
    assert page_width(page) <= PHONE["width"]
