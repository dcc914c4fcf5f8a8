"""gunicorn's settings for Huddle, read by gunicorn from the folder it starts in (the checkout).

A refused setting stops gunicorn in its master, before any worker starts. Each worker used to find
it on its own: with several workers the master at times reaped two that failed at once and raised
"App failed to load" a second time while stopping, a traceback of gunicorn's after Huddle's line
(a race in gunicorn's arbiter). Checked here, the operator reads the one line and nothing else.
"""

import sys


def on_starting(server) -> None:
    """Create Huddle's app once in the master, only to check its settings (``create_app`` touches
    no database and starts nothing); the workers create their own after the fork. Other apps
    served from this folder (the benchmarks' bare apps) are left alone."""
    if not str(getattr(server.app, "app_uri", "")).startswith("dashboard:"):
        return
    from dashboard import RefusedSettings, create_app

    try:
        create_app()
    except RefusedSettings as error:
        print(f"Error: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
