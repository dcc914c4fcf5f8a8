"""People's text in Slack mrkdwn: shown as typed, never formatted, never past a block's limit."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from dashboard.slack.mrkdwn import clip, cut, escape, fit, fitting, link_label, notice
from tests.support.slack import as_typed, formatting_left, read_back

TOKEN = "<!date^00000000^{_}|%s>"


@pytest.mark.parametrize("marker", ["*", "_", "~", "`", "＊", "＿", "｀"])
def test_a_marker_at_a_word_s_edge_is_a_plain_date_fallback(marker):
    typed = f"{marker}Maria{marker} Silva"
    escaped = escape(typed)
    assert escaped == f"{TOKEN % marker}Maria{TOKEN % marker} Silva"
    assert formatting_left(escaped) == [] and read_back(escaped) == typed


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        ("order_id_123", "order_id_123"),  # inside a word Slack formats nothing: no 22 characters
        ("2*3*4", "2*3*4"),
        ("a~b", "a~b"),
        ("a`b", f"a{TOKEN % '`'}b"),  # code is escaped wherever it is
        ("Jo_ão", f"Jo{TOKEN % '_'}ão"),  # a letter of another script may be an edge to Slack
        ("a__b", f"a{TOKEN % '_'}{TOKEN % '_'}b"),
        ("end_", f"end{TOKEN % '_'}"),  # a fragment's ends may sit anywhere in a message
    ],
)
def test_inside_a_word_only_what_could_format_is_escaped(typed, escaped):
    assert escape(typed) == escaped
    assert read_back(escaped) == typed


def test_a_leading_quote_gets_a_soft_hyphen_and_a_quoted_entity_stays_text():
    assert escape("> refund") == "\u00ad&gt; refund"
    assert escape("ok\n>> again") == "ok\n\u00ad&gt;&gt; again"
    assert escape("a > b") == "a &gt; b"  # not at a line's start: no quote, nothing added
    assert escape("&gt; typed") == "&amp;gt; typed"  # shows "&gt;", as typed
    assert escape("＞ wide") == f"{TOKEN % '＞'} wide"
    for typed in ("> refund", "\u00ad> already hyphened", "&gt; typed", "＞ wide"):
        assert read_back(escape(typed)) == typed and formatting_left(escape(typed)) == []


def test_emoji_shortcodes_keep_their_underscores():
    typed = ":white_check_mark: done :marca_de_verificación_blanca: :チェックマーク_緑:"
    assert escape(typed) == typed
    assert escape(":_x:") == f":{TOKEN % '_'}x:"  # not an emoji's: could open italics


def test_slack_controls_stay_harmless():
    escaped = escape("<!channel> <@U123> <https://evil.example|Open in Huddle> & co")
    assert "<" not in escaped and ">" not in escaped
    assert escaped == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|Open in Huddle&gt; &amp; co"
    )


def test_a_link_label_gets_look_alikes_not_tokens():
    assert link_label("*Maria* _Silva_ `x` ~y~") == "∗Maria∗ ˍSilvaˍ ˋxˋ ∼y∼"
    assert link_label("order_id | <!here>") == "order_id ¦ &lt;!here&gt;"
    assert link_label(":white_check_mark: ＊b＊") == ":white_check_mark: ﹡b﹡"


def test_a_notification_gets_look_alikes_and_a_quote_stays_text():
    """Notification text shows no token (a phone or a screen reader might show the token itself)
    and never formats; it is clipped before it is escaped, so it stays within five times its limit."""
    assert notice("> *Maria* said `no` & <!channel>", 100) == (
        "\u00ad&gt; ∗Maria∗ said ˋnoˋ &amp; &lt;!channel&gt;"
    )
    assert notice("order_id_123 2*3", 100) == "order_id_123 2*3"  # inside words: as typed
    long = notice("<" * 5000, 600)
    assert len(long) <= 5 * 600 and long.endswith("…") and "&l…" not in long


def test_fit_clips_the_plain_text_never_an_escape():
    typed = "*" * 1000
    shown = fit(typed, 2000, 300)
    assert len(shown) <= 300 and shown.endswith("…")
    assert read_back(shown) == "*" * (len(read_back(shown)) - 1) + "…"
    assert formatting_left(shown) == []
    assert fit("*Maria*", 60, 1000) == escape("*Maria*")  # short: not clipped for its cost
    assert fitting("*Maria* Silva", 60, 30) == "*Maria…"
    assert fit("  two\n lines ", 60, 60) == "two lines"


def test_cut_never_leaves_a_token_or_an_entity_open():
    built = "• <https://huddle.example/c/1|Parcel> — " + escape("*" * 40 + " & co")
    for limit in range(1, len(built) + 2):
        shown = cut(built, limit)
        head = shown.removesuffix("…")
        assert len(shown) <= limit and built.startswith(head)
        assert head.count("<") == head.count(">")  # every link and token whole
        assert ";" in head[head.rfind("&") :] or "&" not in head  # every entity whole


def test_clip_is_plain():
    assert clip("*a*  b", 10) == "*a* b" and clip("abcdef", 4) == "abc…"


MARKERS = "*_~`>＊＿｀＞&<|:\u00ad \n"
typed_text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list(MARKERS + "aZ9éж日"))),
    # long runs and 10,000-character inputs, built from a short piece repeated
    st.builds(
        lambda piece, times: (piece * times)[:10_000],
        st.text(alphabet=st.sampled_from(list(MARKERS + "ab")), min_size=1, max_size=12),
        st.integers(min_value=1, max_value=10_000),
    ),
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(typed_text)
def test_any_text_reads_back_exactly_as_typed(typed):
    escaped = escape(typed)
    assert read_back(escaped) == typed
    assert formatting_left(escaped) == []


@PROPERTY
@given(typed_text, st.integers(min_value=1, max_value=3000))
def test_any_text_fits_its_room_and_reads_back_as_typed_or_clipped(typed, room):
    shown = fit(typed, 3000, room)
    assert len(shown) <= max(room, 1)
    assert as_typed(read_back(shown), typed) and formatting_left(shown) == []
    SectionBlock(text=MarkdownTextObject(text=fit(typed, 3000, 3000))).to_dict()  # no exception
    ContextBlock(elements=[MarkdownTextObject(text=cut(escape(typed), 2900))]).to_dict()
