"""The ``huddle`` console script: Flask's CLI over ``create_app``, with Huddle's commands.

An operator's mistake is said in one line, not a traceback: a setting start-up refuses
(``core.config.ConfigError``), and, before any command that reads the database, a database that
cannot be reached or is not upgraded yet (``core.schema``).
"""

import click
from flask.cli import FlaskGroup, ScriptInfo

from core.config import ConfigError
from core.schema import schema_problem
from dashboard import create_app
from dashboard.scheduler.cli import run_with_scheduler

# Commands that run before the database is ready: no schema check (``db`` only needs to reach it).
WITHOUT_SCHEMA = frozenset({"db", "run", "shell", "routes"})
HELP = frozenset({"--help", "-h"})


class HuddleGroup(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        """``huddle --help`` with a setting refused: the one line, then the built-in commands."""
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as error:
            click.secho(f"Error: {error}\n", err=True, fg="red")
            return sorted(self.commands)
        return super().list_commands(ctx)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        checked = name not in WITHOUT_SCHEMA or name == "db"
        if checked and not ctx.resilient_parsing and not HELP & set(rest):
            app = ctx.ensure_object(ScriptInfo).load_app()
            with app.app_context():
                problem = schema_problem(reachable_only=name == "db")
            if problem:
                raise click.ClickException(problem)
        return name, command, rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=HuddleGroup, create_app=create_app)
def main():
    """Huddle: stand-ups, complaint follow-up and wish reviews for support teams."""


# `huddle run` also starts the scheduler in-process in development (see dashboard.scheduler.cli).
main.add_command(run_with_scheduler, "run")
