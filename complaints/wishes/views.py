"""Wish pages: intake, the weekly review, calls to make."""

from flask import Blueprint

bp = Blueprint("wishes", __name__, url_prefix="/wishes")
