"""Stand-up pages: the board, live mode, check-ins, history."""

from flask import Blueprint

bp = Blueprint("standup", __name__, url_prefix="/standup")
