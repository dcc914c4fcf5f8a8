"""The scheduled jobs: registry, runner (JobRun claims) and the ``huddle scheduler`` process."""

from flask import Flask

from dashboard.scheduler import admin, cli


def init_app(app: Flask) -> None:
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.jobs_cli)
    app.cli.add_command(cli.scheduler_command)
