"""Stand-up pages: the board (live mode included), check-ins, history, export, settings, days away.

Views read the request and render: writes are in ``standup.services``, lookups in ``standup.queries``
and what a page shows in ``standup.board`` and ``standup.history``. A refused write is rolled back by
``core.errors.refuse`` where its message goes next to a field or into the fragment, and by the core
error handler everywhere else.

The board is one page made of fragments: ``_live.html`` (the agenda and the clocks, polled by
watching screens), ``_panels.html`` (check-ins, attendance, action items, topics, decisions,
summary; refreshed when the live fragment reports a change) and one fragment per form.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from core.access import role_required
from core.announce import announces
from core.database import utcnow
from core.errors import refuse
from core.inputs import form_values, int_arg, parse_day
from core.teams import team_or_404
from standup import away as away_days
from standup import board as board_data
from standup import exports, history, queries, schedule, services, undo, watching
from standup.forms import (
    ActionItemForm,
    AwayForm,
    CheckInForm,
    DecisionForm,
    HistoryForm,
    TeamSettingsForm,
    TimeboxForm,
    TopicForm,
)

bp = Blueprint("standup", __name__, url_prefix="/standup")
CHANGED = "standup-changed"  # the event that makes the board's panels refresh themselves


@dataclass(frozen=True)
class TimeboxRefused:
    """Minutes refused for one agenda item: shown in its field again, the message under it."""

    item_id: int
    typed: str
    message: str


def _standup_or_404(team, on: date):
    standup = queries.standup_on(team.id, on)
    if standup is None:
        abort(404)
    return standup


# --- pages ------------------------------------------------------------------------------------


@bp.get("/")
def index():
    """Straight to one's own team's board; people without a team pick one."""
    if current_user.team is not None:
        return redirect(url_for("standup.board", slug=current_user.team.slug))
    return render_template("standup/teams.html", teams=queries.teams())


@bp.get("/teams")
def team_list():
    return render_template("standup/teams.html", teams=queries.teams())


@bp.get("/<slug>/", defaults={"on": None})
@bp.get("/<slug>/<isodate:on>")
def board(slug: str, on: date | None):
    """A team's board: today's (its local date) without a date, any day's with one."""
    team = team_or_404(slug)
    return _render_board(team, on or schedule.local_date(team, utcnow()))


def _forms(board, **overrides):
    check_in = board.viewer_check_in
    forms = {
        "check_in": CheckInForm(
            formdata=None,
            data={
                "yesterday": check_in.yesterday if check_in else "",
                "today": check_in.today if check_in else "",
                "blockers": check_in.blockers if check_in else "",
                "mood": str(check_in.mood) if check_in and check_in.mood else "",
            },
        ),
        "action_item": ActionItemForm(formdata=None),
        "topic": TopicForm(formdata=None),
        "decision": DecisionForm(formdata=None),
    }
    forms.update(overrides)
    forms["action_item"].owner_id.choices = [(0, _("Nobody yet"))] + [
        (m.user.id, m.user.name) for m in board.members
    ]
    return forms


def _load(team, on: date, prepare: bool = True):
    now = utcnow()
    standup = services.open_board(team, on, now) if prepare else queries.standup_on(team.id, on)
    return board_data.load_board(team, standup, on, current_user, now)


def _watching(board) -> bool:
    """Note a member watching the live meeting as present (see ``watching.note_watching``)."""
    standup = board.standup
    if standup is None or standup.status != "live":
        return False
    row = next((m for m in board.members if m.user.id == current_user.id), None)
    if row is None or row.present is not False:
        return False
    return watching.note_watching(standup, current_user)


def _render_board(team, on: date, status: int = 200, timebox_refused=None, **form_overrides):
    board = _load(team, on)
    if _watching(board):
        board = _load(team, on, prepare=False)
    context = {
        "board": board,
        "live": board.live,
        "forms": _forms(board, **form_overrides),
        "previous_on": on - timedelta(days=1),
        "timebox_refused": timebox_refused,
    }
    return render_template("standup/board.html", **context), status


def _changed(response_body, status: int = 200) -> Response:
    """A fragment answer that also tells the rest of the board to refresh itself."""
    response = make_response(response_body, status)
    response.headers["HX-Trigger"] = CHANGED
    return response


def _render_live(
    team, on: date, status: int = 200, error: str | None = None, timebox_refused=None
) -> Response:
    now = utcnow()
    standup = queries.standup_on(team.id, on)
    live = board_data.load_live(team, standup, on, current_user, now)
    html = render_template(
        "standup/_live.html", live=live, error=error, timebox_refused=timebox_refused
    )
    return _changed(html, status)


def _render_panels(team, on: date, changed: bool = False) -> Response:
    board = _load(team, on, prepare=False)
    if _watching(board):
        board = _load(team, on, prepare=False)
        changed = True
    body = render_template("standup/_panels.html", board=board, live=board.live)
    return _changed(body) if changed else make_response(body)


@bp.get("/<slug>/<isodate:on>/live")
def live(slug: str, on: date):
    """The polled fragment: ``204`` (no body) while nothing changed since version ``v``.

    Two queries per unchanged poll (the session's user and ``board.poll_state``); see
    ``standup.board`` for the measured cost of a changed one.
    """
    state = board_data.poll_state(slug, on)
    if state is None:
        abort(404)
    version, status, auto_end_at = state
    now = utcnow()
    overdue = status == "live" and auto_end_at is not None and auto_end_at <= now
    # ``until``: this screen shows an ended meeting that could be reopened until then (epoch s).
    until = int_arg("until")
    window_closed = until is not None and status == "ended" and now.timestamp() >= until
    if not overdue and not window_closed and request.args.get("v") == str(version):
        return Response(status=204)
    team = team_or_404(slug)
    if overdue:
        services.open_board(team, on, now)  # its time is up: it ends now, for everyone
    if until is not None and status != "ended":
        # Reopened by a facilitator: the forms beside the agenda come back on this screen too.
        return _render_reopened(team, on)
    return _render_live(team, on)


def _render_reopened(team, on: date, here: bool = False) -> Response:
    """The live fragment of a meeting reopened, and the forms beside it (out of band).

    ``here``: this screen pressed the Undo, whose button has gone with the swap; the running
    item's first control takes the focus (``autofocus``, which htmx honours in what it swaps in)
    rather than the agenda as a whole, the next thing a facilitator reopening the meeting does.
    """
    board = _load(team, on, prepare=False)  # loads the live part too: rendered from it
    html = render_template(
        "standup/_live.html",
        live=board.live,
        reopened=board,
        forms=_forms(board),
        focus_controls=here,
    )
    return _changed(html)


@bp.get("/<slug>/<isodate:on>/panels")
def panels(slug: str, on: date):
    return _render_panels(team_or_404(slug), on)


# --- live-mode controls -------------------------------------------------------------------------


def _control(slug: str, on: date, action, error: str | None = None, done=None):
    """Apply a live-mode control and answer with the live fragment (a page reload without htmx).

    A refusal (or ``error``, when the request itself was unusable) is shown in the fragment.
    ``done(team, on)``, when given, renders the answer to a control that succeeded.
    """
    team = team_or_404(slug)
    standup = _standup_or_404(team, on)
    if error is None:
        try:
            action(standup)
        except services.StandupError as problem:
            error = refuse(problem)
    return _controlled(team, on, error, done)


def _controlled(team, on: date, error: str | None = None, done=None):
    """The answer to a control: the live fragment (``done``'s when given), ``error`` above the
    agenda; without htmx, the board again, ``error`` flashed."""
    if not request.htmx:
        if error:
            flash(error, "error")
        return redirect(url_for("standup.board", slug=team.slug, on=on))
    if done is not None and not error:
        return done(team, on)
    return _render_live(team, on, 422 if error else 200, error)


@bp.post("/<slug>/<isodate:on>/start")
@announces(_l("Stand-up started."))
def start(slug: str, on: date):
    return _control(slug, on, lambda s: services.start_standup(s, current_user))


@bp.post("/<slug>/<isodate:on>/next")
@announces(_l("On to the next item."))
def next_item(slug: str, on: date):
    try:
        expected = int(request.form.get("position", ""))
    except ValueError:
        expected = None
    return _control(slug, on, lambda s: services.next_item(s, current_user, expected))


@bp.post("/<slug>/<isodate:on>/end")
@announces(_l("Stand-up ended."))
def end(slug: str, on: date):
    return _control(slug, on, lambda s: services.end_standup(s, current_user))


@bp.post("/<slug>/<isodate:on>/reopen")
@announces(_l("Stand-up reopened."))
def reopen(slug: str, on: date):
    """Undo "End the stand-up" within ``rules.UNDO_END``: the agenda runs again and the forms
    beside it come back (out of band); without JavaScript, the whole board again.

    It once posted without htmx: the page reloaded, the focus fell to <body> and nothing said the
    meeting was back.
    """
    return _control(
        slug,
        on,
        lambda s: undo.undo_end(s, current_user),
        done=lambda team, on: _render_reopened(team, on, here=True),
    )


@bp.post("/<slug>/<isodate:on>/items/<int:item_id>/timebox")
@announces(_l("Timebox set."))
def timebox(slug: str, on: date, item_id: int):
    """Set an upcoming item's minutes.

    Minutes refused (no number, or more than the meeting has room for) are said under that item's
    field, with what was typed and the focus kept there (its id is the item's), in the fragment or
    on the whole board without JavaScript. They were said above the agenda, the old minutes back
    in the field and the focus on the agenda. A refusal about the meeting itself (it has ended,
    the item is not its) stays above the agenda, as the other controls'.
    """
    team = team_or_404(slug)
    standup = _standup_or_404(team, on)
    form = TimeboxForm()
    error = None
    if not form.validate_on_submit():
        form.minutes.errors = list(form.minutes.errors) or [_("Give the timebox in minutes.")]
    else:
        try:
            services.set_item_timebox(standup, current_user, item_id, form.seconds)
        except services.StandupError as problem:
            error = refuse(problem, form)  # none when the minutes took it
        else:
            return _controlled(team, on)
    if error:
        return _controlled(team, on, error)
    refused = TimeboxRefused(
        item_id, request.form.get("minutes", ""), " ".join(map(str, form.minutes.errors))
    )
    if not request.htmx:
        return _render_board(team, on, 422, timebox_refused=refused)
    return _render_live(team, on, 422, timebox_refused=refused)


@bp.post("/<slug>/<isodate:on>/attendance/<int:user_id>")
@announces(_l("Attendance updated."))
def attendance(slug: str, on: date, user_id: int):
    team = team_or_404(slug)
    standup = _standup_or_404(team, on)
    present = request.form.get("present") == "1"
    try:
        services.set_attendance(standup, current_user, user_id, present)
    except services.StandupError as problem:
        flash(refuse(problem), "error")
    if not request.htmx:
        return redirect(url_for("standup.board", slug=slug, on=on))
    return _render_panels(team, on, changed=True)


@bp.post("/action-items/<int:item_id>/done")
@announces(_l("Action item done."))
def action_item_done(item_id: int):
    """Close an action item; an unknown one (404) or someone else's (403) is the core handler's."""
    item = services.complete_action_item(item_id, current_user)
    if request.htmx and request.form.get("slug") and request.form.get("on"):
        team = team_or_404(request.form["slug"])
        on = parse_day(request.form["on"])
        if on is None:
            abort(400)
        return _render_panels(team, on, changed=True)
    team = queries.team_of(item.team_id)
    return redirect(url_for("standup.board", slug=team.slug))


# --- forms on the board -------------------------------------------------------------------------


FORM_TEMPLATES = {
    "check_in": "standup/_check_in_form.html",
    "action_item": "standup/_action_item_form.html",
    "topic": "standup/_topic_form.html",
    "decision": "standup/_decision_form.html",
}


def _form_answer(slug: str, on: date, form, name: str, apply):
    """Validate, apply, and answer with the form again: fresh when saved, with errors when not."""
    team = team_or_404(slug)
    if not form.validate_on_submit():
        return _form_refused(team, on, form, name, 400)
    try:
        apply(team)
    except services.StandupError as problem:
        if message := refuse(problem, form):
            form.form_errors.append(message)
        return _form_refused(team, on, form, name, 422)
    if not request.htmx:
        return redirect(url_for("standup.board", slug=team.slug, on=on))
    return _changed(_form_fragment(team, on, name))


def _form_refused(team, on: date, form, name: str, status: int):
    """The form again with its errors and the person's input: in place, or on the whole board."""
    if not request.htmx:
        return _render_board(team, on, status, **{name: form})
    return make_response(_form_fragment(team, on, name, form), status)


def _form_fragment(team, on: date, name: str, form=None) -> str:
    board = _load(team, on, prepare=False)
    forms = _forms(board, **({name: form} if form is not None else {}))
    return render_template(FORM_TEMPLATES[name], board=board, live=board.live, forms=forms)


@bp.post("/<slug>/<isodate:on>/check-in")
@announces(_l("Checked in."))
def check_in(slug: str, on: date):
    form = CheckInForm()
    if current_user.team_id != team_or_404(slug).id:
        abort(403)  # one checks in to one's own team's stand-up only

    def apply(team):
        services.record_check_in(
            current_user,
            form.yesterday.data,
            form.today.data,
            form.blockers.data,
            form.mood_value,
            on=on,
            source="board",
        )

    return _form_answer(slug, on, form, "check_in", apply)


@bp.post("/<slug>/<isodate:on>/action-items")
@announces(_l("Action item added."))
def add_action_item(slug: str, on: date):
    form = ActionItemForm()

    def apply(team):
        standup = _standup_or_404(team, on)
        services.add_action_item(
            standup, current_user, form.text.data, form.owner_id.data or None, form.due_on.data
        )

    return _form_answer(slug, on, form, "action_item", apply)


@bp.post("/<slug>/<isodate:on>/topics")
@announces(_l("Topic added."))
def add_topic(slug: str, on: date):
    return _text_added(slug, on, TopicForm(), "topic", services.add_topic, "topic")


@bp.post("/<slug>/<isodate:on>/decisions")
@announces(_l("Decision added."))
def add_decision(slug: str, on: date):
    return _text_added(slug, on, DecisionForm(), "decision", services.add_decision, "text")


def _text_added(slug: str, on: date, form, name: str, add, field: str):
    """A topic or a decision: one line of text added to the day's stand-up by ``add``."""
    return _form_answer(
        slug,
        on,
        form,
        name,
        lambda team: add(_standup_or_404(team, on), current_user, form[field].data),
    )


# --- history and export -------------------------------------------------------------------------


def _history_form(team):
    form = HistoryForm(request.args)
    form.person.choices = [(0, _("Anyone"))] + [(u.id, u.name) for u in queries.members([team.id])]
    return form


@bp.get("/<slug>/history")
def history_page(slug: str):
    team = team_or_404(slug)
    form = _history_form(team)
    valid = form.validate()
    page_number = int_arg("page", 1)
    page = (
        history.search(
            team,
            (form.q.data or "").strip() or None,
            form.person.data or None,
            form.start.data,
            form.end.data,
            page_number,
        )
        if valid
        else history.HistoryPage.empty()
    )
    context = {"team": team, "form": form, "page": page}
    status = 200 if valid else 400
    if request.htmx:
        return render_template("standup/_history_list.html", **context), status
    return render_template("standup/history.html", **context), status


@bp.get("/<slug>/export.csv")
def export(slug: str):
    team = team_or_404(slug)
    form = _history_form(team)
    if form.validate():
        end_on = form.end.data or schedule.local_date(team, utcnow())
        start_on = form.start.data or end_on - timedelta(days=30)
        if (end_on - start_on).days <= history.EXPORT_MAX_DAYS:
            body = exports.export_history(
                team,
                current_user,
                start_on,
                end_on,
                (form.q.data or "").strip() or None,
                form.person.data or None,
            )
            filename = f"standup-{team.slug}-{start_on.isoformat()}-{end_on.isoformat()}.csv"
            return Response(
                body,
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        form.end.errors = [
            *form.end.errors,
            _("Export at most %(n)d days at a time.", n=history.EXPORT_MAX_DAYS),
        ]
    page = history.HistoryPage.empty()
    return render_template("standup/history.html", team=team, form=form, page=page), 400


# --- settings and days away ---------------------------------------------------------------------


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@role_required("manager")
def settings(slug: str):
    team = team_or_404(slug)
    if not current_user.manages(team.id):
        abort(403)  # the service refuses the change too; the form is not offered
    if request.method == "GET":
        form = TeamSettingsForm.saved(
            team, queries.holidays_of(team.id), queries.rotation_emails(team.id)
        )
        return render_template("standup/settings.html", team=team, form=form)
    form = TeamSettingsForm()
    valid = form.validate_on_submit()
    holidays = form.parsed_holidays()
    if not valid or form.holidays.errors:
        return render_template("standup/settings.html", team=team, form=form), 400
    try:
        services.update_team_settings(
            team,
            current_user,
            **form_values(form, "name", "slack_channel", "standup_time", "timezone", "workdays"),
            **form_values(form, "timebox_minutes", "grace_minutes"),
            holidays=holidays,
            rotation_emails=form.rotation_emails(),
        )
    except services.StandupForbidden:
        raise
    except services.StandupError as problem:
        if message := refuse(problem, form):
            flash(message, "error")
        return render_template("standup/settings.html", team=team, form=form), 422
    flash(_("Settings saved."), "success")
    return redirect(url_for("standup.settings", slug=team.slug))


@bp.route("/away", methods=["GET", "POST"])
def away():
    form = AwayForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                count = away_days.mark_away(current_user, form.start.data, form.end.data)
            except services.StandupError as problem:
                if message := refuse(problem, form):  # its field is the last day
                    flash(message, "error")
                status = 422
            else:
                flash(
                    ngettext("Marked %(num)d day away.", "Marked %(num)d days away.", count),
                    "success",
                )
                return redirect(url_for("standup.away"))
        else:
            status = 400
    team = current_user.team
    today = schedule.local_date(team, utcnow()) if team else utcnow().date()
    days = queries.away_days_of(current_user.id, today)
    return render_template("standup/away.html", form=form, days=days), status


@bp.post("/away/<int:away_id>/cancel")
def away_cancel(away_id: int):
    try:
        away_days.unmark_away(current_user, away_id)
    except services.StandupError as problem:
        flash(refuse(problem), "error")
    return redirect(url_for("standup.away"))
