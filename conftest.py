"""Shared test fixtures: a user of every role, and the gates for real services.

Tests that need PostgreSQL, Redis or chromium are marked `postgres`, `redis` or
`browser`. On a bare laptop they skip with a visible reason; under CI (CI=true) a
missing service fails them — never a silent skip.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from lms.models import Role
from lms.tests.factories import make_user

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if marker == "redis":
        if not settings.REDIS_URL:
            return "needs Redis: set REDIS_URL=redis://…"
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            return f"Redis at REDIS_URL is not answering: {exc}"
    if marker == "browser":
        if not shutil.which(CHROMIUM):
            return f"needs chromium at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "needs the playwright package"
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated data when it starts (see
    `transactional_db` below), however it asked for a transactional database.

    Browser tests run last: Playwright's sync API keeps an event loop in the main
    thread from the first browser test on, and async tests cannot run beside it.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker and marker.kwargs.get("transaction")) or "transactional_db" in item.fixturenames
        if transactional and "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}))
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) and (reason := _missing(marker)):
            if IN_CI:
                pytest.fail(f"CI must run this test but it {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    """Each test starts with an empty cache (rate limits!) and its own media folder."""
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, RedisCache):
            # Only this run's keys (the pattern takes the key prefix): the Redis database
            # may be shared with the channel layer or another run.
            cache.delete_pattern("*")
        else:
            cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request leaves the language it was served
    in active in its thread (as it does under a real server, until the next request)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _ledger_stays_balanced(request):
    """The last assertion of every test that touched the database: every ledger
    transaction in it sums to zero per currency (`billing.ledger.assert_balanced`)."""
    names = request.fixturenames
    # Ask for the database first, so it is still there when this fixture finishes.
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif not request.node.get_closest_marker("django_db"):
        yield
        return
    yield
    from billing.ledger import assert_balanced

    assert_balanced()


@pytest.fixture
def student(db):
    return make_user(Role.STUDENT, email="student@example.com", display_name="Sam Student")


@pytest.fixture
def teacher(db):
    return make_user(Role.TEACHER, email="teacher@example.com", display_name="Tess Teacher")


@pytest.fixture
def other_teacher(db):
    return make_user(Role.TEACHER, email="other.teacher@example.com", display_name="Otto Other")


@pytest.fixture
def staff_user(db):
    return make_user(Role.STAFF, email="staff@example.com", display_name="Stella Staff")


@pytest.fixture
def superuser(db):
    from allauth.account.models import EmailAddress

    from lms.models import User

    user = User.objects.create_superuser("root@example.com", "correct-horse-battery", display_name="Root")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_everywhere(django_db_setup):
    """Django keeps the serialized test database on the connection object, which is
    per-context; Playwright's sync API runs the test in a greenlet with its own context
    (so its own connection object). Put the contents on the class so every connection
    object can restore them."""
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            type(connections[alias])._test_serialized_contents = contents


@pytest.fixture
def transactional_db(django_db_serialized_rollback, _django_db_helper):
    """Like pytest-django's, but each test starts from the migrated data (Wagtail's page
    tree, the role groups) instead of an empty flushed database."""


# --- Browser tests: Playwright + Debian's chromium against a real ASGI server ----------------


class AsgiServer:
    """uvicorn serving `lms.config.asgi:application` on the test database, with its mail in a folder."""

    def __init__(self, url: str, mail_dir, log_path, media_root):
        self.url = url
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.media_root = media_root  # where the server reads uploads (a test storing one writes there)

    def emails(self) -> list:
        """Every message the server has sent so far, oldest first (email.message.Message)."""
        import email

        messages = []
        for path in sorted(self.mail_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns):
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.strip()))
        return messages

    def clear_mail(self) -> None:
        for path in self.mail_dir.iterdir():
            path.unlink()


@pytest.fixture(scope="session")
def _asgi_server(django_db_setup, django_db_blocker, tmp_path_factory):
    from lms.tests import servers

    root = tmp_path_factory.mktemp("asgi")
    mail_dir = root / "mail"
    mail_dir.mkdir()
    log_path = root / "server.log"
    with django_db_blocker.unblock():
        database_url = servers.database_url()
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.config.settings_test",
        "DATABASE_URL": database_url,
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TEST_EMAIL_DIR": str(mail_dir),
        "TEST_MEDIA_ROOT": str(root / "media"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    process, url = servers.start_asgi(env, log_path)
    yield AsgiServer(url, mail_dir, log_path, root / "media")
    servers.stop(process)


@pytest.fixture
def asgi_server(_asgi_server, transactional_db):
    """The app served by uvicorn (HTTP and WebSockets) on this test's database."""
    from lms.tests import servers

    _asgi_server.clear_mail()
    yield _asgi_server
    servers.database_quiet()  # before the test's database is flushed


@pytest.fixture(scope="session")
def _browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
    # between browser steps are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from lms.tests import servers

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=shutil.which(CHROMIUM),
        args=servers.CHROMIUM_ARGS,
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(_browser, asgi_server):
    """`new_page()` → a Page in a fresh browser context (its own cookies) on the server."""
    contexts = []

    def make(**context_options):
        # The site's zone unless a test picks one: a visitor's first page in another zone
        # loads once more (static/js/lyceum.js), which a test's next step should not race.
        context_options.setdefault("timezone_id", "UTC")
        # The site's service worker (templates/pwa/sw.js) would fetch pages itself, past the
        # routes tests set up with page.route: off unless a test is about it (push/tests).
        context_options.setdefault("service_workers", "block")
        context = _browser.new_context(base_url=asgi_server.url, **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def push_service():
    """A local web push service (push/tests/stub_push_service.py) the worker may post to."""
    from push.tests.stub_push_service import StubPushService

    service = StubPushService()
    yield service
    service.close()
