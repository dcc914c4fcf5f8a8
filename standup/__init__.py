"""Teams' stand-ups: schedules, agenda building, the live board, check-ins and action items."""

from flask import Flask

from standup import api, views
from standup.kept_details import kept_item_details
from standup.titles import (
    complaint_summary,
    end_reason_label,
    kind_label,
    owner_words,
    status_label,
    unreached_title,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.jinja_env.filters["complaint_summary"] = complaint_summary
    app.jinja_env.globals["unreached_title"] = unreached_title
    app.jinja_env.globals.update(
        kind_label=kind_label,
        status_label=status_label,
        end_reason_label=end_reason_label,
        owner_words=owner_words,
        kept_item_details=kept_item_details,
    )
