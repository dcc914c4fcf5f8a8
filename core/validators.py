"""WTForms' ``Length`` and ``NumberRange`` with their limits written as the reader writes numbers.

WTForms' own messages write a limit as a bare number ("no puede tener más de 10000 caracteres",
"5000 символов"), where Spanish writes 10.000 and Russian 10 000. These say it in our words, with
the number formatted by Babel in the viewer's locale and real plural forms. A message given to
the validator (``message=``) is used as it is, as WTForms does. The limit is this check's alone:
no ``maxlength`` reaches the page, where the browser would silently cut what was pasted.
"""

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from wtforms import validators
from wtforms.validators import ValidationError


class Length(validators.Length):
    def __init__(self, min=-1, max=-1, message=None):
        super().__init__(min, max, message)
        # No ``maxlength`` on the field: a browser cuts a paste at it without a word (a client's
        # long comment lost past 5,000 characters, counted in UTF-16, so an emoji counts two);
        # the check here says the limit and gives the whole text back to be shortened.
        self.field_flags.pop("maxlength", None)

    def __call__(self, form, field):
        length = len(field.data) if field.data else 0
        if length >= self.min and (self.max == -1 or length <= self.max):
            return
        if self.message is not None:
            raise ValidationError(self.message)
        # The limit is given formatted (``count``); Flask-Babel's ngettext picks the plural form by
        # the number and fills in only what it is not given.
        low, high = format_decimal(self.min), format_decimal(self.max)
        if self.max == -1:
            message = ngettext(
                "Use at least %(count)s character.",
                "Use at least %(count)s characters.",
                self.min,
                count=low,
            )
        elif self.min <= 0:
            message = ngettext(
                "Use at most %(count)s character.",
                "Use at most %(count)s characters.",
                self.max,
                count=high,
            )
        else:
            message = ngettext(
                "Use from %(low)s to %(count)s character.",
                "Use from %(low)s to %(count)s characters.",
                self.max,
                low=low,
                count=high,
            )
        raise ValidationError(message)


class NumberRange(validators.NumberRange):
    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError:
            if self.message is not None:
                raise
        else:
            return
        low = None if self.min is None else format_decimal(self.min)
        high = None if self.max is None else format_decimal(self.max)
        if high is None:
            raise ValidationError(_("Enter %(low)s or more.", low=low))
        if low is None:
            raise ValidationError(_("Enter %(high)s or less.", high=high))
        raise ValidationError(_("Enter a number from %(low)s to %(high)s.", low=low, high=high))
