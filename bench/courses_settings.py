"""Settings for the courses benchmark: production settings plus the floor view's URL."""

import os

from lms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.courses_urls"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "/tmp/lyceum-courses-bench-static")
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
