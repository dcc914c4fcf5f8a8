"""The base of every page's form.

``PageForm`` is Flask-WTF's form with what every page's form must say: text the database cannot
store, which ``core.inputs.refuse_unstorable_text`` took out of the post, is refused next to its
field, so the view answers with the form again, what was typed kept, as for any other refusal.
``tests/architecture/test_page_forms.py`` checks that every form of the app derives from it.
"""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.widgets import Select

from core.inputs import say_unstorable


class PageForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return say_unstorable(self) and valid


class _OwnDirectionOptions(Select):
    """A menu whose every option reads in the direction of its own words (``dir="auto"``)."""

    @classmethod
    def render_option(cls, value, label, selected, **kwargs):
        return super().render_option(value, label, selected, **{"dir": "auto", **kwargs})


class NamedChoiceField(SelectField):
    """A choice among things people named (colleagues, teams, categories, playbooks): an Arabic or
    Hebrew name in a menu of left-to-right ones keeps its digits and punctuation on its own side."""

    widget = _OwnDirectionOptions()
