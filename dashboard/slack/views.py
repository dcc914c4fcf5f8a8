"""Endpoints Slack calls: slash commands and interactivity (signature-verified)."""

from flask import Blueprint

bp = Blueprint("slack", __name__, url_prefix="/slack")
