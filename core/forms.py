"""The base of every page's form.

``PageForm`` is Flask-WTF's form with what every page's form must say: text the database cannot
store, which ``core.inputs.refuse_unstorable_text`` took out of the post, is refused next to its
field, so the view answers with the form again, what was typed kept, as for any other refusal.
``tests/architecture/test_page_forms.py`` checks that every form of the app derives from it.
"""

from flask_wtf import FlaskForm

from core.inputs import say_unstorable


class PageForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return say_unstorable(self) and valid
