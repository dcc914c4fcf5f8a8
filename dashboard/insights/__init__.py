"""Insights: the numbers that show whether our clients are heard, reached and kept.

``metrics`` computes every figure with SQL aggregates for a period and the one before it;
``charts`` draws them as inline SVG; every chart's table is also a CSV download.
"""

from flask import Flask

from dashboard.insights import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
