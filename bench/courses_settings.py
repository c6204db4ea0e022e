"""Settings for the courses benchmark: production settings plus the floor view's URL and the
bench's query counter."""

import os

from lms.config.settings import *  # noqa: F403
from lms.config.settings import CACHES, MIDDLEWARE

ROOT_URLCONF = "bench.courses_urls"
MIDDLEWARE = ["bench.courses_urls.count_queries", *MIDDLEWARE]
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "/tmp/lyceum-courses-bench-static")
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# The seeder publishes pages: under its own cache keys, it never starts a new generation of
# a server's shared caches (bench/courses_seed.py sets it).
if os.environ.get("BENCH_CACHE_PREFIX"):
    for _cache in CACHES.values():
        _cache["KEY_PREFIX"] = os.environ["BENCH_CACHE_PREFIX"]
