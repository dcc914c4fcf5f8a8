"""Our clients' voice: ratings and intake, complaints, contacts, playbooks and compensation."""

from flask import Flask

from complaints import rollups, views
from complaints.intake import api as intake_api
from complaints.intake import public
from complaints.intake import views as intake_views

# Loaded with the feature: its listener counts every rating added, in the adding transaction.
ROLLUPS = rollups.RatingSlot


def init_app(app: Flask) -> None:
    # Intake first: its /complaints/new and /complaints/import come before /complaints/<id>.
    app.register_blueprint(intake_views.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(intake_api.bp)
