"""Wish pages: intake, the list, a wish, the weekly review, calls to make.

Views read the request, call a service (every rule and write) or a page builder (``pages``), and
render. A refused rule the page shows next to a field goes through ``core.errors.refuse``, which
rolls back; any other ``RuleError`` is answered by the core handler.
"""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from core.access import role_required
from core.announce import announces
from core.database import utcnow
from core.errors import refuse
from core.inputs import int_arg, parse_day, parse_int
from core.teams import team_or_404
from core.templating import spoken_day
from wishes import briefs, calendar, pages, services
from wishes.forms import (
    CALL_OUTCOME_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    AlreadyPossibleForm,
    CallForm,
    DecisionForm,
    EmptyForm,
    MergeForm,
    WishForm,
)

bp = Blueprint("wishes", __name__, url_prefix="/wishes")


def wish_outcome(code: str) -> str:
    """A decision's label in the viewer's language (for other packages' templates, e.g. Today)."""
    return str(OUTCOME_LABELS.get(code, code))


@bp.context_processor
def labels():
    return {
        "outcome_labels": OUTCOME_LABELS,
        "call_outcome_labels": CALL_OUTCOME_LABELS,
        "status_labels": STATUS_LABELS,
        "threshold": briefs.threshold(),
    }


def _template(name: str) -> str:
    """The fragment for htmx, the whole page otherwise (branching on the request, never on ids)."""
    return f"wishes/_{name}.html" if request.htmx else f"wishes/{name}.html"


# --- intake --------------------------------------------------------------------------------------


def _intake_context(form: WishForm):
    chosen = form.chosen_wish_id()
    suggestions = pages.suggestions(form.title.data, chosen)
    return {"form": form, "suggestions": suggestions, "chosen": chosen}


def _page_context(form: WishForm):
    """The intake page also says up front when a new wish is decided: the agent can tell the client."""
    return {**_intake_context(form), "review_on": calendar.next_review_on(current_user.team)}


@bp.route("/new", methods=["GET", "POST"])
@role_required("agent")
def new():
    form = WishForm()
    if request.method == "GET":
        form.wish_id.data = request.args.get("wish_id", "")
    if form.validate_on_submit():
        client = services.upsert_client(
            {
                "external_id": (form.external_id.data or "").strip(),  # optional: may be absent
                "name": form.name.data.strip(),
                "email": form.email.data or None,
                "phone": (form.phone.data or "").strip() or None,
            },
            actor=current_user,
        )
        try:
            recorded = services.record_wish(
                client,
                title=(form.title.data or "").strip() or None,
                problem=form.problem.data.strip(),
                details=(form.details.data or "").strip() or None,
                wish_id=form.chosen_wish_id(),
                agent=current_user,
                channel="client_page" if form.client_page.data else "call",
            )
        except services.WishError as error:
            # The chosen wish travels in a radio button next to the title: say it there.
            form.title.errors.append(refuse(error))
            return render_template("wishes/new.html", **_page_context(form)), 422
        flash(_saved_message(recorded), "success")
        return redirect(url_for("wishes.detail", wish_id=recorded.wish.id, saved=1))
    status = 400 if form.errors else 200
    return render_template("wishes/new.html", **_page_context(form)), status


def _saved_message(recorded: services.Recorded) -> str:
    if recorded.already_asked:
        first = _("This client had already asked for it: counted once.")
    else:
        first = ngettext(
            "Saved: %(num)d distinct client asked for this wish.",
            "Saved: %(num)d distinct clients asked for this wish.",
            recorded.distinct_clients,
        )
    if recorded.review_on is not None:
        return first + " " + _("Next review: %(day)s.", day=spoken_day(recorded.review_on))
    decision = recorded.decision
    label = OUTCOME_LABELS.get(decision.outcome, decision.outcome) if decision else ""
    return first + " " + _("Already decided: %(decision)s. Tell the client now.", decision=label)


@bp.get("/new/for-client")
@role_required("agent")
def new_for_client():
    """The intake form with one of our clients filled in (linked from the client's page)."""
    client_id = int_arg("client_id")
    client = pages.get_client(client_id) if client_id else None
    if client is None:
        abort(404)
    form = WishForm(
        formdata=None,
        data={
            "external_id": client.external_id,
            "name": client.name,
            "client_page": "1",
            "wish_id": "",
        },
    )
    return render_template(_template("new"), **_page_context(form))


@bp.get("/similar")
@role_required("agent")
def similar():
    """Similar wishes while the agent types the title (htmx, keyup with a short delay)."""
    title = request.args.get("title", "")[:200]
    chosen = request.args.get("wish_id", "")
    form = WishForm(formdata=None, data={"title": title, "wish_id": chosen})
    return render_template("wishes/_similar.html", **_intake_context(form))


# --- the list and one wish ------------------------------------------------------------------------


@bp.get("/")
def index():
    q = request.args.get("q", "")[:200]
    show = request.args.get("show", "all")
    page = int_arg("page", 1)
    listing = pages.wish_list(q, show, page)
    context = {"listing": listing, "q": q, "show": show, "filters": pages.LIST_FILTERS}
    return render_template(_template("index"), **context)


def _render_detail(wish_id: int, status: int = 200, **forms):
    page = pages.wish_page(wish_id, current_user)
    if page is None:
        abort(404)
    context = {
        "page": page,
        "forms": {
            "possible": forms.get("possible") or AlreadyPossibleForm(formdata=None),
            "merge": forms.get("merge") or MergeForm(formdata=None),
            "empty": EmptyForm(formdata=None),
        },
        "similar": pages.merge_candidates(page, current_user),
        "now": utcnow(),
    }
    return render_template(_template("detail"), **context), status


@bp.get("/<int:wish_id>")
def detail(wish_id: int):
    return _render_detail(wish_id)


@bp.post("/<int:wish_id>/review")
@role_required("agent")
@announces(_l("Added to the review."))
def add_to_review(wish_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.add_to_review(wish_id, current_user)
    except services.WishError as error:
        flash(refuse(error), "error")
        return _render_detail(wish_id, 422)
    flash(_("Added to the next review."), "success")
    return _render_detail(wish_id)


@bp.post("/<int:wish_id>/already-possible")
@role_required("agent")
@announces(_l("Marked as already possible."))
def already_possible(wish_id: int):
    form = AlreadyPossibleForm()
    if not form.validate_on_submit():
        return _render_detail(wish_id, 400, possible=form)
    try:
        decided = services.answer_already_possible(wish_id, current_user, form.how.data)
    except services.NotAllowed:
        raise  # another team's wish: the core handler answers 403 with the reason
    except services.WishError as error:
        refuse(error, form, "how")  # not about a field of its own: the form's only field says it
        return _render_detail(wish_id, 422, possible=form)
    flash(
        ngettext(
            "Answered. %(num)d client to call back with the answer.",
            "Answered. %(num)d clients to call back with the answer.",
            decided.callbacks,
        ),
        "success",
    )
    return _render_detail(wish_id)


@bp.post("/<int:wish_id>/merge")
@role_required("admin")
@announces(_l("Wishes merged."))
def merge(wish_id: int):
    form = MergeForm()
    if not form.validate_on_submit():
        return _render_detail(wish_id, 400, merge=form)
    try:
        target = services.merge(wish_id, form.target_id.data, current_user)
    except services.WishError as error:
        message = refuse(error, form)
        if message:
            flash(message, "error")
        return _render_detail(wish_id, 422, merge=form)
    flash(_("Merged. The clients moved over; this wish keeps its history."), "success")
    if request.htmx:
        response = _render_detail(target.id)[0]
        return response, 200, {"HX-Push-Url": url_for("wishes.detail", wish_id=target.id)}
    return redirect(url_for("wishes.detail", wish_id=target.id))


# --- the weekly review ---------------------------------------------------------------------------


def _review_date(team, value: str | None, writing: bool = False) -> date:
    """The review a URL names (the coming one without a date). One that decides or closes is at
    most a year old and not after the coming one: any day of the calendar opened a review row."""
    if not value:
        return calendar.next_review_on(team)
    day = parse_day(value)
    if day is None:
        abort(404)
    if writing:
        coming = calendar.next_review_on(team)
        if not coming - timedelta(days=366) <= day <= coming:
            abort(404)
    return day


def _render_review(team, review_on: date, status: int = 200, forms=None):
    page = pages.review_page(team, review_on)
    forms = forms or {}
    context = {
        "page": page,
        "teams": pages.teams(),
        "forms": {
            item.id: forms.get(item.id) or _decision_form(item.id, formdata=None)
            for item in page.pending
        },
        "close_form": EmptyForm(formdata=None),
        "can_decide": current_user.manages(team.id),
        "today": calendar.team_today(team),
    }
    return render_template(_template("review"), **context), status


@bp.get("/review")
def review():
    team = pages.review_team(request.args.get("team"), current_user)
    if team is None:
        return render_template("wishes/no_team.html")
    return _render_review(team, _review_date(team, request.args.get("on")))


@bp.post("/review/<slug>/<on>/wishes/<int:wish_id>")
@role_required("manager")
@announces(_l("Decision saved."))
def decide(slug: str, on: str, wish_id: int):
    team = team_or_404(slug)
    review_on = _review_date(team, on, writing=True)
    form = _decision_form(wish_id)
    if not form.validate_on_submit():
        return _render_item(team, review_on, wish_id, form, 400)
    try:
        decided = services.decide(
            wish_id,
            current_user,
            team=team,
            review_on=review_on,
            outcome=form.outcome.data,
            reason=form.reason.data,
            terms=form.terms.data,
        )
    except services.NotAllowed:
        raise
    except services.WishError as error:
        refuse(error, form, "reason")  # about the wish or review, not one field: under the reason
        return _render_item(team, review_on, wish_id, form, 422)
    if request.htmx:
        page = pages.review_page(team, review_on)
        return render_template("wishes/_decision_made.html", page=page)
    flash(
        ngettext(
            "Decided. %(num)d client to call back.",
            "Decided. %(num)d clients to call back.",
            decided.callbacks,
        ),
        "success",
    )
    return redirect(url_for("wishes.review", team=team.slug, on=review_on.isoformat()))


def _decision_form(wish_id: int, **kwargs) -> DecisionForm:
    """Prefixed per wish: the review page holds one form per wish, and ids must stay unique."""
    return DecisionForm(prefix=f"wish-{wish_id}", **kwargs)


def _call_form(callback_id: int, **kwargs) -> CallForm:
    return CallForm(prefix=f"call-{callback_id}", **kwargs)


def _render_item(team, review_on: date, wish_id: int, form: DecisionForm, status: int):
    """A decision form with its errors: alone for htmx (it replaces itself), else the whole page."""
    if not request.htmx:
        return _render_review(team, review_on, status, forms={wish_id: form})
    item = pages.wish_brief(wish_id, review_on)
    if item is None:
        abort(404)
    context = {
        "item": item,
        "form": form,
        "team": team,
        "review_on": review_on,
        "can_decide": True,
        "review_closed": False,
    }
    return render_template("wishes/_review_item.html", **context), status


@bp.post("/review/<slug>/<on>/close")
@role_required("manager")
@announces(_l("Review closed."))
def close_review(slug: str, on: str):
    team = team_or_404(slug)
    review_on = _review_date(team, on, writing=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.close_review(team, review_on, current_user)
    except services.NotAllowed:
        raise
    except services.WishError as error:
        flash(refuse(error), "error")
        return _render_review(team, review_on, 422)
    flash(_("The review is closed; its decisions go to the team channel."), "success")
    return _render_review(team, review_on)


# --- calls to make -------------------------------------------------------------------------------


@bp.get("/calls")
@role_required("agent")
def calls():
    everyone = request.args.get("who") == "team" and current_user.has_role("manager")
    calls = pages.calls_page(current_user, everyone_on_team=everyone)
    own_done = not calls and not everyone and current_user.has_role("manager")
    context = {
        "calls": calls,
        "everyone": everyone,
        "team_waiting": pages.team_calls_waiting(current_user) if own_done else 0,
        "forms": {call.id: _call_form(call.id, formdata=None) for call in calls},
    }
    return render_template(_template("calls"), **context)


@bp.post("/calls/<int:callback_id>/done")
@role_required("agent")
@announces(_l("Call logged."))
def log_call(callback_id: int):
    form = _call_form(callback_id)
    status = 200
    if form.validate_on_submit():
        try:
            services.log_call(
                callback_id,
                current_user,
                form.notes.data,
                outcome=form.outcome.data,
                next_try_on=form.next_try_on.data,
                seen_attempts=form.seen_attempts(),
            )
        except services.NotAllowed:
            raise  # someone else's call: the core handler answers 403 with the reason
        except services.WishError as error:
            refuse(error, form, "notes")
            status = 422
    else:
        status = 400
    call = pages.call_row(callback_id, current_user)
    if call is None:
        abort(404)
    if not request.htmx:
        if status == 200 and call.done_at is None:
            flash(_("Attempt logged; the call stays on your list."), "success")
        elif status == 200:
            flash(_("Call logged. Thank you."), "success")
        return redirect(url_for("wishes.calls"))
    return render_template("wishes/_call.html", call=call, form=form), status


@bp.post("/calls/<int:callback_id>/hand-over")
@role_required("manager")
@announces(_l("Call handed over."))
def hand_over_call(callback_id: int):
    """One click on "Calls to make": a manager gives the call of someone away to a stand-in."""
    from_agent = parse_int(request.form.get("agent_id"), 1)
    to_user = parse_int(request.form.get("to_user_id"), 1)
    if from_agent is None or to_user is None or not EmptyForm().validate_on_submit():
        abort(400)
    status, message = 200, None
    try:
        services.hand_over_call(callback_id, current_user, from_agent, to_user)
    except services.NotAllowed:
        raise
    except services.WishError as error:
        status, message = 409, refuse(error)
    call = pages.call_row(callback_id, current_user)
    if call is None:
        abort(404)
    if not request.htmx:
        flash(message or _("Call handed over."), "error" if message else "success")
        return redirect(url_for("wishes.calls", who="team"))
    form = _call_form(callback_id, formdata=None)
    context = {"call": call, "form": form, "everyone": True, "hand_over_error": message}
    return render_template("wishes/_call.html", **context), status
