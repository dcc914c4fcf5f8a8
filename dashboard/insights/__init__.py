"""Insights: the numbers that show whether our clients are heard, reached and kept.

``periods`` says what a period and the one before it are, and splits rows between them in SQL;
``metrics`` computes every figure with SQL aggregates over both; ``rituals`` does the same for the
stand-ups and wish reviews; ``report`` turns figures into words and tables, ``charts`` draws them as
inline SVG; every chart's table is also a CSV download.
"""

from flask import Flask

from dashboard.insights import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
