"""Huddle's own commands: teams, users, API tokens, demo data and survey links (``huddle``)."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from complaints.intake import survey
from core import clients
from core.api.tokens import SCOPES, TokenError, create_token, list_tokens, revoke_token
from core.auth.passwords import password_problem
from core.auth.services import find_user_by_email, reset_token
from core.database import utcnow, writes
from core.demo import DEMO_PASSWORD
from core.errors import RuleError
from core.extensions import db
from core.models import Client, Team
from core.urls import external_url
from dashboard.admin import teams
from dashboard.admin.services import create_user
from dashboard.demo import seed_all

users_cli = AppGroup("users", help="Manage people.")
teams_cli = AppGroup("teams", help="Manage teams.")
tokens_cli = AppGroup("tokens", help="Manage API tokens for other systems.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["agent", "manager", "admin"]), default="agent")
@click.option("--name", help="Display name (default: the part of the e-mail before @).")
@click.option("--team", "team_slug", help="Slug of the user's team.")
@click.option("--limit", help="Compensation they may give on their own, e.g. 50 or 49.90.")
@click.password_option(help="Password (asked for when not given).")
@writes
def create_user_command(email, role, name, team_slug, limit, password):
    """Create a user who can log in at once."""
    import sqlalchemy as sa

    team_id = None
    if team_slug:
        team_id = db.session.scalar(sa.select(Team.id).where(Team.slug == team_slug))
        if team_id is None:
            raise click.BadParameter(f"no team with slug {team_slug!r}", param_hint="--team")
    problem = password_problem(password) if password else None
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    try:
        amount = Decimal(limit) if limit is not None else None
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {limit!r}", param_hint="--limit") from None
    try:
        user = create_user(
            email, name or email.split("@")[0], role, team_id, password, compensation_limit=amount
        )
    except RuleError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.email} ({user.role}).")


@teams_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The team's name as people see it.")
@click.option("--timezone", required=True, help="Where the team works, e.g. Europe/Lisbon.")
@click.option("--time", "at", required=True, help="Stand-up time in the team's timezone, HH:MM.")
@click.option("--workdays", default="mon,tue,wed,thu,fri", show_default=True)
@click.option("--channel", help="The team's Slack channel, e.g. '#support-eu'.")
@writes
def create_team_command(slug, name, timezone, at, workdays, channel):
    """Create a team whose stand-up is held at TIME on WORKDAYS."""
    try:
        team = teams.create_team(
            None,
            slug=slug,
            name=name,
            timezone=timezone,
            standup_time=teams.parse_time(at),
            workdays=teams.parse_workdays(workdays),
            slack_channel=channel,
        )
    except RuleError as error:
        hint = {"standup_time": "--time", "slug": "SLUG"}.get(error.field, f"--{error.field}")
        raise click.BadParameter(error.message, param_hint=hint) from None
    click.echo(f"Created team {team.slug} ({team.name}).")


@teams_cli.command("list")
def list_teams_command():
    """List the teams: slug, name, stand-up time and timezone, and whether archived."""
    for team in teams.list_all():
        archived = "  (archived)" if team.archived_at else ""
        when = f"{team.standup_time:%H:%M} {team.timezone}"
        click.echo(f"{team.slug:<20} {team.name:<30} {when}{archived}")


@users_cli.command("reset-link")
@click.argument("email")
@writes
def reset_link_command(email):
    """Print a password-reset link for EMAIL (an hour, single use); every old session ends."""
    user = find_user_by_email(email)
    if user is None:
        raise click.BadParameter(f"nobody has the e-mail {email!r}", param_hint="EMAIL")
    click.echo(external_url("auth.reset_password", token=reset_token(user)))


@tokens_cli.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="What the token may do (repeat for several; default: every scope).",
)
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Stop working after N days.")
@writes
def create_token_command(name, scopes, expires_days):
    """Create an API token; it is shown once, only its hash is kept."""
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        token = create_token(name, scopes or SCOPES, expires_at)
    except TokenError as error:
        raise click.ClickException(error.message) from None
    click.echo(token)


@tokens_cli.command("list")
def list_tokens_command():
    """Every token: name, state, scopes, expiry and when it was last used (never the token)."""
    now = utcnow()
    for row in list_tokens():
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
        expires = row.expires_at.isoformat(timespec="minutes") if row.expires_at else "no expiry"
        click.echo(f"{row.name}\t{row.state(now)}\t{row.scopes}\t{expires}\tlast used {used}")


@tokens_cli.command("revoke")
@click.argument("name")
@writes
def revoke_token_command(name):
    """Revoke the token called NAME: it stops working at once."""
    try:
        revoke_token(name)
    except TokenError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Revoked {name}.")


@click.command("demo")
@click.option(
    "--force",
    is_flag=True,
    help="Load the demo outside development anyway (it creates logins with a known password).",
)
@with_appcontext
@writes
def demo_command(force):
    """Fill the database with a believable support team (safe to run again)."""
    config = current_app.config
    if config["ENV_NAME"] != "development" and not config.get("TESTING") and not force:
        raise click.ClickException(
            f"huddle demo creates people with the password {DEMO_PASSWORD!r}; it runs only with "
            "HUDDLE_ENV=development (or add --force if you really want it here)."
        )

    logins = seed_all()
    click.echo(f"Demo data is ready. Log in at {external_url('auth.login')} with:")
    for email, role in logins:
        click.echo(f"  {email:<28} {role:<8} password: {DEMO_PASSWORD}")


@click.command("survey-link")
@click.argument("external_id")
@click.option("--name", help="The client's name, when Huddle does not know them yet.")
@click.option("--order", "order_ref", help="The order or service the rating is about.")
@with_appcontext
@writes
def survey_link_command(external_id, name, order_ref):
    """Print a signed, single-use rating link for one of our clients."""
    import sqlalchemy as sa

    known = db.session.scalar(sa.select(Client).where(Client.external_id == external_id))
    if known is None and not name:
        raise click.BadParameter(
            "unknown client: give --name to add them", param_hint="EXTERNAL_ID"
        )
    client = known or clients.upsert_client(external_id, name)
    _link, token = survey.issue_link(client.id, order_ref=order_ref)
    db.session.commit()
    click.echo(external_url("public.survey", token=token))


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(teams_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(survey_link_command)
