from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.access import public, say_why_login_is_needed
from core.auth import services
from core.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from core.errors import keeps_input_on_expiry, refuse
from core.i18n import language_choices
from core.mail.outbox import mail_enabled

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.today")


@bp.route("/login", methods=["GET", "POST"])
@public
@keeps_input_on_expiry
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.today"))
    if request.method == "GET" and request.args.get("next"):
        say_why_login_is_needed()
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(
            form.email.data, form.password.data, request.remote_addr or "unknown"
        )
        if result.user is not None:
            login_user(result.user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(result.error)
        status = 429 if result.limited else 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """A reset link by e-mail; the same answer whether the address is known or not. Where Huddle
    sends no e-mail the page says so and sends people to an admin (People → Password link), not
    promising a mail that would only wait in the outbox."""
    form = ForgotPasswordForm()
    if not mail_enabled():
        return render_template("auth/forgot.html", form=form, mail_off=True)
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr or "unknown")
        return render_template("auth/forgot.html", form=form, sent=True)
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _set_password_page(user, template: str, finish):
    """The invitation and the reset link share one page shape: choose a password, then ``finish``."""
    if user is None:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        return finish(user, form.password.data)
    return render_template(template, form=form, user=user), 400 if form.errors else 200


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invite(token: str):
    def finish(user, password):
        services.set_password(user, password)
        login_user(user)
        flash(_("Welcome to Huddle, %(name)s.", name=user.name), "success")
        return redirect(url_for("home.today"))

    return _set_password_page(services.user_from_invite(token), "auth/invite.html", finish)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """A reset link works once: setting the password changes what the link was signed with."""

    def finish(user, password):
        services.set_password(user, password, "password_reset")
        logout_user()
        flash(_("Your password is changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))

    return _set_password_page(services.user_from_reset(token), "auth/reset.html", finish)


@bp.post("/password")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.PasswordError as error:
            refuse(error, form)
        else:
            login_user(current_user._get_current_object())  # this device stays in, no other
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(password_form=form), 400


@bp.post("/logout-everywhere")
def logout_everywhere():
    services.end_all_sessions(current_user)
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


def _account_form(**kwargs) -> AccountForm:
    form = AccountForm(obj=current_user, **kwargs)
    form.locale.choices = [("", _("My browser's language")), *language_choices()]
    if form.slack_user_id.raw_data is None:  # not posted: the id asked for, confirmed or waiting
        form.slack_user_id.data = current_user.pending_slack_user_id or current_user.slack_user_id
    return form


def _render_account(form=None, password_form=None):
    return render_template(
        "auth/account.html",
        form=form or _account_form(formdata=None),
        password_form=password_form or ChangePasswordForm(formdata=None),
    )


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = _account_form()
    if form.validate_on_submit():
        try:
            asked = services.update_account(
                current_user,
                form.name.data,
                form.timezone.data,
                form.locale.data,
                form.slack_user_id.data,
            )
        except services.AccountError as error:
            refuse(error, form)
        else:
            flash(_("Your settings are saved."), "success")
            if asked:
                flash(
                    _("Now confirm your Slack user id in Slack: Huddle sent you a message there."),
                    "info",
                )
            return redirect(url_for("auth.account"))
    return _render_account(form), 400 if form.errors else 200
