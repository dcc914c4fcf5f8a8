"""The forms on a client's page: correcting details on purpose (#12) and merging a duplicate."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from complaints.intake.forms import PHONE
from core.forms import PageForm
from core.validators import Length


class ClientDetailsForm(PageForm):
    name = StringField(_l("Client name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Client e-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Client phone"), validators=[Optional(), Length(max=40)])

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data.strip()):
            raise ValidationError(_l("Write a phone number with digits, e.g. +55 11 91234 5678."))


class MergeForm(PageForm):
    other = StringField(
        _l("Id of the duplicate to merge into this client"),
        validators=[DataRequired(), Length(max=120)],
    )
