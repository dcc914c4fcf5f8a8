"""The ``huddle`` console script: Flask's CLI over ``create_app``, with Huddle's commands."""

import click
from flask.cli import FlaskGroup

from dashboard import create_app
from dashboard.scheduler.cli import run_with_scheduler


@click.group(cls=FlaskGroup, create_app=create_app)
def main():
    """Huddle: stand-ups, complaint follow-up and wish reviews for support teams."""


# `huddle run` also starts the scheduler in-process in development (see dashboard.scheduler.cli).
main.add_command(run_with_scheduler, "run")
