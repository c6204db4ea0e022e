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
    from django.core.cache.backends.redis import RedisCache

    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, RedisCache):
            # Only this run's keys: the Redis database may be shared with the channel
            # layer, the task broker, or another run.
            client = cache._cache.get_client(write=True)
            for key in client.scan_iter(f"{cache.key_prefix}:*"):
                client.delete(key)
        else:
            cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")


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
    from lms.models import User

    return User.objects.create_superuser("root@example.com", "correct-horse-battery", display_name="Root")
