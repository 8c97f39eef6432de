"""Shared fixtures: an app on a temporary SQLite file (or a PostgreSQL database), and a
Caller who phones it like Twilio.

Tests marked `both_engines` run twice: on SQLite and on PostgreSQL (that run is marked
`postgres`). HOTLINE_TEST_ENGINE=postgresql runs every test that opens the database
through `engine` (`app`, `database_target`, `empty_target`, `more_databases`) or
`module_database_target` on PostgreSQL, and marks it `postgres`; one marked
`sqlite_only` is about SQLite itself and is skipped there. One PostgreSQL server serves
the whole session; each test gets a database of its own, copied from a migrated template.
"""

import os
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from twilio_standin import StandIn

import clock
import db as database
from app import create_app
from devtools.softphone import InProcess, Softphone

TOKEN = "test-auth-token-0123456789abcdef"
# Production apps refuse to start without it; tests that build one (and the servers they
# start) get this one.
os.environ.setdefault("HOTLINE_HASH_KEY", "test-hash-key-0123456789abcdef")
# The hotline's clock in tests: Wednesday, 25 November 2026, 10:00 in Waiblingen.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


ENGINE = os.environ.get("HOTLINE_TEST_ENGINE", "sqlite")


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("both_engines") and \
            "engine" in metafunc.fixturenames:
        metafunc.parametrize("engine", ["sqlite", pytest.param("postgresql",
                                                               marks=pytest.mark.postgres)])


def pytest_collection_modifyitems(items):
    if ENGINE == "postgresql":
        for item in items:
            if item.get_closest_marker("sqlite_only"):
                item.add_marker(pytest.mark.skip(reason="about SQLite itself"))
            elif _opens_the_database(item) and _engine_of(item) != "sqlite":
                item.add_marker(pytest.mark.postgres)


def _opens_the_database(item) -> bool:
    return bool({"engine", "module_database_target"} & set(getattr(item, "fixturenames", ())))


def _engine_of(item) -> str:
    """The engine a test runs on: its `both_engines` parameter, else HOTLINE_TEST_ENGINE's
    (a both_engines test's SQLite run belongs to `make test` alone)."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("engine", ENGINE) if callspec is not None else ENGINE


@pytest.fixture
def engine():
    """The database engine of this test: SQLite unless parametrized or HOTLINE_TEST_ENGINE."""
    return ENGINE


class PostgresDatabases:
    """The session's PostgreSQL server and a migrated template to copy databases from.

    Copying the template (CREATE DATABASE) costs 0.5-1.4 s on the build machine: it
    checkpoints the whole server. A test's database is therefore emptied when the test
    is done (every row deleted, identities restarted: a few milliseconds) and handed to
    the next test; one whose schema the test changed, or that a straggler still locks,
    is dropped instead.
    """

    def __init__(self):
        import psycopg

        from devtools.pg_server import PostgresServer

        self.server = PostgresServer()
        self.admin = psycopg.connect(self.server.url(), autocommit=True)
        self.admin.execute("CREATE DATABASE hotline_template")
        template = self.server.url("hotline_template")
        create_app({"TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": template,
                    "TWILIO_AUTH_TOKEN": TOKEN})
        import db_postgres

        db_postgres.close_pools(template)
        with psycopg.connect(template, autocommit=True) as conn:
            self.schema = _schema(conn)
        self.made = 0
        self.spare: list[str] = []

    def new(self) -> str:
        """A fresh database with every package's tables and no rows; its URL."""
        if self.spare:
            return self.spare.pop()
        self.made += 1
        name = f"test_{self.made}"
        self.admin.execute(f"CREATE DATABASE {name} TEMPLATE hotline_template"
                           " STRATEGY FILE_COPY")
        return self.server.url(name)

    def empty(self) -> str:
        """A database without any table (for migrations); its URL."""
        self.made += 1
        name = f"test_{self.made}"
        self.admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.server.url(name)

    def give_back(self, url: str) -> None:
        """A test is done with its database: emptied for the next, or dropped."""
        import psycopg

        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET lock_timeout = 2000")
                if _schema(conn) != self.schema:
                    raise LookupError("schema changed")
                # Neither foreign keys nor the statistics' triggers: every row goes.
                conn.execute("SET session_replication_role = replica")
                tables = [row[0] for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'schema_versions'")]
                sequences = [row[0] for row in conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
                conn.execute("; ".join([*(f"DELETE FROM {t}" for t in tables),
                                        *(f"ALTER SEQUENCE {s} RESTART" for s in sequences)]))
        except (psycopg.Error, LookupError):
            name = url.rsplit("/", 1)[1]
            self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        self.spare.append(url)

    def stop(self) -> None:
        self.admin.close()
        self.server.stop()


def _schema(conn) -> list[tuple]:
    """Every column and index of a PostgreSQL database, to tell whether a test changed it."""
    return [*conn.execute(
        "SELECT table_name, column_name, data_type, column_default FROM"
        " information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"),
        *conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
                      " ORDER BY 1")]


@pytest.fixture(scope="session")
def postgres_databases():
    databases = PostgresDatabases()
    yield databases
    databases.stop()


@pytest.fixture
def database_target(engine, tmp_path, request):
    """HOTLINE_DATABASE for this test: a SQLite file, or a PostgreSQL database's URL."""
    yield from _lent(engine, lambda: tmp_path / "hotline.sqlite3", request, empty=False)


def _lent(engine, sqlite_path, request, empty: bool):
    """A SQLite file's path, or a PostgreSQL database lent for the fixture's scope (a
    migrated one, or with `empty` one without a single table) and given back after."""
    if engine == "sqlite":
        yield str(sqlite_path())
        return
    databases = request.getfixturevalue("postgres_databases")
    url = databases.empty() if empty else databases.new()
    yield url
    import db_postgres

    db_postgres.close_pools(url)
    databases.give_back(url)


@pytest.fixture(scope="module")
def module_database_target(tmp_path_factory, request):
    """database_target shared by a module's tests whose set-up is too slow to repeat (a
    server with a speech model): HOTLINE_TEST_ENGINE's engine, one database per module."""
    yield from _lent(ENGINE, lambda: tmp_path_factory.mktemp("database") / "hotline.sqlite3",
                     request, empty=False)


@pytest.fixture
def empty_target(engine, tmp_path, request):
    """HOTLINE_DATABASE of a database without a single table (for migrations from older
    layouts)."""
    yield from _lent(engine, lambda: tmp_path / "hotline.sqlite3", request, empty=True)


@pytest.fixture
def more_databases(engine, tmp_path, request):
    """For a test that needs a second deployment: each call gives one more empty database
    of the test's engine (a SQLite file, or a PostgreSQL database's URL)."""
    made: list[str] = []

    def another() -> str:
        if engine == "sqlite":
            made.append(str(tmp_path / f"more-{len(made) + 1}" / "hotline.sqlite3"))
        else:
            made.append(request.getfixturevalue("postgres_databases").new())
        return made[-1]

    yield another
    if engine != "sqlite":
        import db_postgres

        for url in made:
            db_postgres.close_pools(url)
            request.getfixturevalue("postgres_databases").give_back(url)


def with_demo_cases(app):
    """`app` with the case tables and the demo customers (README: Erika Mustermann ...), as
    the tests of identity checks, status answers and written conversations need them."""
    from cases import install as cases_install
    from cases import store as case_store

    cases_install.init_app(app)
    db = database.connect(app.config["HOTLINE_DATABASE"])
    with database.transaction(db):
        case_store.seed_demo(db, NOW)
    db.conn.close()
    return app


EVERY_LANGUAGE = ["de", "en", "tr", "uk", "ru", "ar"]


def every_language_app(database_target: str):
    """The app as `app` below, offering every language the hotline has, with the demo
    customers: for tests of callers in their own language, by phone and in writing."""
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": database_target,
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
        "HOTLINE_LANGUAGES": EVERY_LANGUAGE, "HOTLINE_VALIDATE_SIGNATURES": True})
    clock.install(app, clock.Clock.at(NOW))
    return with_demo_cases(app)


@pytest.fixture
def app(database_target):
    app = create_app(
        {
            "TESTING": True,
            "HOTLINE_ENV": "test",
            "HOTLINE_DATABASE": database_target,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "HOTLINE_PUBLIC_URL": "",
            "HOTLINE_LANGUAGES": ["de", "en"],
            "HOTLINE_VALIDATE_SIGNATURES": True,
        }
    )
    # The one place the tests' clock is set; a test that needs another moment sets its own.
    clock.install(app, clock.Clock.at(NOW))
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The app's database, opened on its own connection as a second worker would."""
    conn = database.connect(app.config["HOTLINE_DATABASE"])
    yield conn
    conn.conn.close()


class Caller(Softphone):
    """A caller on the phone: the softphone, plus what tests want to look at."""

    def __init__(self, app, **kwargs):
        super().__init__(InProcess(app), app.config["TWILIO_AUTH_TOKEN"], **kwargs)

    def hears(self) -> str:
        """Everything the hotline said in its last answer, as one string."""
        return " ".join(self.exchanges[-1].hotline)

    def post(self, url: str, **fields):
        """A raw signed webhook post, as Twilio would send it; returns the Reply."""
        return self._post(url, fields)


@pytest.fixture
def caller(app):
    return Caller(app)


def twiml(body: str) -> ET.Element:
    """Parse a TwiML answer, failing the test if it is not well-formed XML."""
    root = ET.fromstring(body)
    assert root.tag == "Response"
    return root


@pytest.fixture
def standin():
    """A local stand-in for Twilio's REST API (tests/twilio_standin.py), closed afterwards."""
    server = StandIn()
    yield server
    server.close()
