"""`manage.py check --deploy` in a fresh process with production settings, as an operator runs it."""

import subprocess
import sys

PRODUCTION_SECRET_KEY = "x" * 20 + "-production-secret-with-enough-entropy-1234567890"


def check_deploy(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Production settings (DEBUG off, a secret key, one allowed host, SQLite in `tmp_path`),
    with `env` over them."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "lms.config.settings",
            "DEBUG": "0",
            "SECRET_KEY": PRODUCTION_SECRET_KEY,
            "ALLOWED_HOSTS": "lyceum.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
