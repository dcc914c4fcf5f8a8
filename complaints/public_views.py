"""Pages for our clients, no login: the rating survey and "write to the head of support"."""

from flask import Blueprint, current_app, render_template, request

from complaints import intake, survey
from complaints.forms import SurveyForm, WriteToUsForm
from dashboard import throttle
from dashboard.access import public
from dashboard.extensions import db

bp = Blueprint("public", __name__)

WRITE_BUCKET = "write-to-us"


@bp.route("/s/<token>", methods=["GET", "POST"], endpoint="survey")
@public
def survey_page(token: str):
    try:
        link = survey.link_from_token(token)
    except survey.SurveyLinkError as error:
        status = 410 if error.reason == "expired" else 404
        return render_template("public/survey_gone.html", reason=error.reason), status
    if link.used_at is not None:
        return render_template("public/survey_done.html", already=True)
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            survey.answer(link, int(form.score.data), form.comment.data or None)
        except survey.SurveyLinkError:
            return render_template("public/survey_done.html", already=True)
        return render_template("public/survey_done.html", already=False)
    return render_template("public/survey.html", form=form, link=link), 400 if form.errors else 200


@bp.route("/write-to-us", methods=["GET", "POST"])
@public
def write_to_head():
    form = WriteToUsForm()
    address = request.remote_addr or "unknown"
    limit = current_app.config.get("WRITE_TO_US_PER_HOUR", 5)
    if form.is_submitted() and throttle.is_limited(WRITE_BUCKET, address, limit, 3600):
        return render_template("public/write.html", form=form, limited=True), 429
    if form.validate_on_submit():
        throttle.record(WRITE_BUCKET, address)
        if not form.website.data:  # the honeypot is empty: a person wrote this
            contact = form.contact.data.strip()
            email = contact if "@" in contact else None
            phone = None if email else contact
            client = intake.upsert_client(
                f"web:{contact.lower()}", form.name.data.strip(), email, phone
            )
            head = intake.head_of_support()
            intake.open_complaint(
                client,
                form.message.data.strip().splitlines()[0][:300],
                details=form.message.data,
                channel="web_form",
                owner_id=head.id if head else None,
            )
        db.session.commit()
        return render_template("public/write_done.html")
    return render_template("public/write.html", form=form), 400 if form.errors else 200
