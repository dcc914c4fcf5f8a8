"""Client wishes: counted per distinct client, reviewed weekly, every asking client called back."""

from flask import Flask

from wishes import api, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    # Other packages' templates (Today) show decisions in the viewer's language too.
    app.add_template_filter(views.wish_outcome)
