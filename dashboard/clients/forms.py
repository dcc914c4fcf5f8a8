"""The merge form on a client's page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class MergeForm(FlaskForm):
    other = StringField(
        _l("Id of the duplicate to merge into this client"),
        validators=[DataRequired(), Length(max=120)],
    )
