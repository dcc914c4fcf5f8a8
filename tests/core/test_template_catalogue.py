"""Templates find the catalogue once per request and locale (issue #16), and still write each
string in the language in force: the viewer's, or a ``speaking`` block's inside the same request."""

from flask import render_template_string

from core.i18n import speaking

PAGE = "{{ _('Nobody yet') }}|{{ ngettext('%(num)d day', '%(num)d days', 2) }}"


def test_a_template_speaks_the_locale_in_force_within_one_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        first = render_template_string(PAGE)
        with speaking("ru"):
            inside = render_template_string(PAGE)
        after = render_template_string(PAGE)
    assert first.startswith("Nadie todavía|") and after == first
    assert inside.startswith("Пока никто|")


def test_outside_a_request_templates_speak_the_default_language(app):
    with app.app_context():
        assert render_template_string(PAGE).startswith("Nobody yet|")
        with speaking("es"):
            assert render_template_string(PAGE).startswith("Nadie todavía|")
