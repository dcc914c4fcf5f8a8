"""Pages for our clients, no login: the rating survey and "write to the head of support".

The survey's signed link is its proof, as the unsubscribe link's is (``core.mail.views``): what
its form writes comes from whoever holds the link's token, which a page elsewhere cannot know, so
it takes no CSRF token. With one, an answer failed whenever the client's session had gone (a phone
that closed the browser, cookies blocked): a 400 page, their comment lost, and every later try
refused alike. Staff are refused the form (it would mark the client rated again).
"""

from flask import Blueprint, g, render_template, request
from flask_babel import get_locale, refresh
from flask_login import current_user

from complaints.intake import services as intake
from complaints.intake import survey
from complaints.intake.forms import SurveyForm, WriteToUsForm
from complaints.models import Rating
from core.access import public
from core.errors import keeps_input_on_expiry, refuse
from core.extensions import csrf, db

bp = Blueprint("public", __name__)


@bp.route("/s/<token>", methods=["GET", "POST"], endpoint="survey")
@public
@csrf.exempt
def survey_page(token: str):
    try:
        link = survey.link_from_token(token)
    except survey.SurveyLinkError as error:
        write = None
        if error.link is not None:  # expired: still a client we know
            _speak_to(error.link.client)
            write = _comment_to_write(error.link.client)  # the page was open past the expiry
        page = render_template("public/survey_gone.html", reason=error.reason, write=write)
        return page, error.status
    _speak_to(link.client)
    if link.used_at is not None:
        return _answered_already(link)
    if current_user.is_authenticated:
        # Staff resend the link; answering it themselves would mark the client "rated again" (#12).
        return render_template("public/survey_staff.html"), 403
    form = SurveyForm()
    if request.method == "GET":
        # A score button in the mail opened the page: chosen, not recorded (the client confirms).
        chosen = request.args.get("score")
        if chosen in {"1", "2", "3", "4", "5"}:
            form.score.data = chosen
        intake.note_survey_opened(link)
    if form.validate_on_submit():
        try:
            intake.answer_survey(
                link,
                int(form.score.data),
                (form.comment.data or "").strip() or None,
                locale=str(get_locale()),
            )
        except survey.SurveyLinkError as error:  # answered meanwhile, in another tab
            refuse(error)
            return _answered_already(link)
        return render_template("public/survey_done.html", already=False)
    status = 400 if form.errors else 200
    return render_template("public/survey.html", form=form, link=link), status


def _answered_already(link):
    """A second answer (another tab, the back button) is not recorded; a comment it carried that
    the first answer did not comes back in the "write to the head of support" form, the client's
    name filled in, to send there: it was thrown away, and the client told to write it again."""
    recorded = db.session.get(Rating, link.rating_id) if link.rating_id else None
    write = _comment_to_write(link.client, recorded.comment if recorded is not None else None)
    return render_template("public/survey_done.html", already=True, write=write)


def _comment_to_write(client, recorded: str | None = None) -> WriteToUsForm | None:
    """The write-to-us form holding the comment a survey answer posted that no rating keeps."""
    comment = (request.form.get("comment") or "").strip() if request.method == "POST" else ""
    if not comment or comment == recorded:
        return None
    return WriteToUsForm(formdata=None, name=client.name, message=comment)


def _speak_to(client) -> None:
    """The page in the language we know the client reads, unless they switch (``?lang=``)."""
    g.client_locale = client.locale
    refresh()


@bp.route("/write-to-us", methods=["GET", "POST"])
@public
@keeps_input_on_expiry
def write_to_head():
    form = WriteToUsForm()
    address = request.remote_addr or "unknown"
    if form.is_submitted() and intake.web_messages_limited(address):
        return render_template("public/write.html", form=form, limited=True), 429
    if form.validate_on_submit():
        result = intake.receive_web_message(
            form.name.data,
            form.contact.data,
            form.message.data,
            address=address,
            trap_filled=bool(form.website.data),
            locale=str(get_locale()),
        )
        if result.limited:
            return render_template("public/write.html", form=form, limited=True), 429
        return render_template("public/write_done.html")
    return render_template("public/write.html", form=form), 400 if form.errors else 200
