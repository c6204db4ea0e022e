"""Test settings: the real settings with what only tests need (like Zulip's test_settings).

Everything else — database, Redis, channel layer — still comes from the environment, so
CI runs the same suite against PostgreSQL and Redis.
"""

import os

os.environ.setdefault("DEBUG", "1")

from lms.config.settings import *  # noqa: F403
from lms.config.settings import BASE_DIR, CACHES, CHANNEL_LAYERS, DATABASES, Q_CLUSTER, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# A browser test's server process writes its mail here for the test to read.
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_DIR", "")
# Tasks run in-process so a test sees their effects; the retry path is tested directly.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
SECURE_SSL_REDIRECT = False
SITE_URL = "http://testserver"
WAGTAILADMIN_BASE_URL = SITE_URL
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", str(BASE_DIR / ".test-media"))
# No persistent connections: threads and async consumers in tests close theirs. No pool
# either: a thread a test starts keeps its connection until the thread ends, and a pooled
# connection never given back is lost to the pool for the rest of the run. The pool is
# tested on a real server with the production settings (lms/tests/test_db_pool.py).
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a browser test's server process can share it.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_SQLITE_PATH", str(BASE_DIR / ".test-db.sqlite3"))}

# Keys of this test run only, so tests never clear anyone else's (see conftest.py). A
# browser test's server process inherits the variable, so with Redis both share one
# cache, as production processes do (a publish in the test invalidates the server's pages).
# Under pytest-xdist the workers inherit the controller's variable: each adds its own name, or
# one worker's per-test clearing would empty the other's cache mid-test.
_prefix = os.environ.setdefault("TEST_CACHE_KEY_PREFIX", f"test{os.getpid()}") + os.environ.get(
    "PYTEST_XDIST_WORKER", ""
)
if not REDIS_URL:
    # Without Redis, a file cache is what the test process and the server share.
    import tempfile

    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.path.join(tempfile.gettempdir(), f"lyceum-{_prefix}", alias),
        }
        for alias in CACHES
    }
for _cache in CACHES.values():
    _cache["KEY_PREFIX"] = f"{_prefix}-{_cache.get('KEY_PREFIX', '')}"
if REDIS_URL:
    # Pub/sub channels are server-wide: this run's groups are its own, and its browser
    # tests' server (which inherits the variable) shares them.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = _prefix

# Web push: a key made for the tests (not a secret), and the local stub push service the
# tests start (push/tests/stub_push_service.py) among the services the worker may post to.
WEBPUSH_VAPID_PRIVATE_KEY = "Kasps7nBA6y7jmoEkoVgDlP-00a8xCIecHri8NMXvHk"
WEBPUSH_SERVICES = [*WEBPUSH_SERVICES, "http://127.0.0.1"]  # noqa: F405
