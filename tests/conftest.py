"""Fixtures every test package shares: the databases, the app, the test client, the browser.

Data tests take ``app`` (or ``client``/``login_as``/factories): each runs twice, on SQLite and on a
real throw-away PostgreSQL, inside a transaction rolled back afterwards, so the services' own commits
become savepoints and no test sees another's rows.

The factories live in ``tests.support.factories`` (loaded below as a plugin); the helpers tests
import live in ``tests.support``. Nothing imports from a conftest.
"""

import itertools

import pytest

from core.extensions import db
from core.models import User
from tests.support import skip_or_fail
from tests.support.app import make_app, migrate
from tests.support.browser import CHROMIUM_ARGS, find_chromium
from tests.support.postgres import ThrowAwayPostgres, find_pg_ctl, free_port
from tests.support.web import LiveServer

pytest_plugins = ["tests.support.factories"]


def pytest_collection_modifyitems(items):
    """A test that drives Chromium (it uses the ``chromium`` fixture, through ``page`` or
    directly) is marked ``browser``, so ``-m "not browser"`` runs the rest quickly."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def postgres_server():
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        skip_or_fail("PostgreSQL binaries (pg_ctl) are not installed")
    server = ThrowAwayPostgres(pg_ctl, free_port()).start()
    yield server
    server.stop()


_database_names = (f"huddle_test_{n}" for n in itertools.count(1))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def make_database_url(backend, request, tmp_path_factory):
    """Return a callable that creates a new, empty database of the session's backend."""

    def create() -> str:
        name = next(_database_names)
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / (name + '.db')}"
        return request.getfixturevalue("postgres_server").create_database(name)

    return create


@pytest.fixture(scope="session")
def database_url(make_database_url) -> str:
    """One migrated database per backend, shared by all data tests through rolled-back transactions."""
    url = make_database_url()
    migrate(url)
    return url


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to give the app extra configuration."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = make_app(database_url, **app_config)
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()
        db.engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        db.session.remove()
        outer.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    """An app context for tests that call services directly (make no requests inside it)."""
    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def login_as(client, make_user):
    """Log the test client in as a new user of ``role`` (or as a given user) and return the user."""

    def login(role_or_user: str | User = "agent", **fields) -> User:
        user = role_or_user if isinstance(role_or_user, User) else make_user(role_or_user, **fields)
        client.log_in(user)
        return user

    return login


@pytest.fixture(scope="session")
def chromium():
    """A headless system Chromium, shared by every browser test of the session."""
    executable = find_chromium()
    if executable is None:
        skip_or_fail("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def committed_app(make_database_url):
    """The app on its own migrated database of the current backend, committed for real: for tests
    whose work runs on other connections or threads (races, job leases, live servers)."""
    url = make_database_url()
    migrate(url)
    app = make_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The app on its own migrated SQLite file, committed for real (the server runs in a thread)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    migrate(url)
    return make_app(url)


@pytest.fixture(scope="module")
def live_server(live_app):
    server = LiveServer(live_app).start()
    yield server
    server.stop()
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
