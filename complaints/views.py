"""Complaint pages: the open list, my follow-ups, a complaint, a client, playbooks."""

from flask import Blueprint

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
