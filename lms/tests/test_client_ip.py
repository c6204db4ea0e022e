"""The client's address behind our proxies (issue 16.3): TRUSTED_PROXY_COUNT hops of
X-Forwarded-For are trusted, no more, for allauth's rate limits and the audit log alike."""

import functools
import json
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from lms import services
from lms.models import AuditLogEntry, Notification, Role
from lms.tests.factories import PASSWORD, make_user

PROXY = "10.0.0.5"  # every request reaches the app from the proxy


@functools.cache
def _settings_for_one_proxy() -> dict:
    """Every setting the settings module derives when the deployer sets TRUSTED_PROXY_COUNT=1
    (read in a fresh process, since settings are computed once at start)."""
    code = (
        "import json,django;django.setup();from django.conf import settings as s;"
        "print(json.dumps({k: getattr(s, k) for k in dir(s) if 'PROXY' in k}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "lms.config.settings",
        "DEBUG": "1",
        "TRUSTED_PROXY_COUNT": "1",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def behind_one_proxy(settings):
    for name, value in _settings_for_one_proxy().items():
        setattr(settings, name, value)
    return settings


def via_proxy(forwarded_for: str) -> Client:
    """A browser whose request the proxy forwards: it appends the address it saw."""
    return Client(REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": forwarded_for})


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_one_attackers_failures_do_not_lock_out_another_client(behind_one_proxy, db):
    victim = make_user(Role.STUDENT, email="victim@example.com")
    attacker = via_proxy("203.0.113.66")
    statuses = [sign_in(attacker, f"someone{n % 8}@example.com", f"guess-{n}").status_code for n in range(40)]
    assert 429 in statuses  # the attacker is throttled…
    client = via_proxy("198.51.100.7")
    response = sign_in(client, victim.email, PASSWORD)  # …and someone else is not
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_spoofed_forwarded_entries_do_not_escape_the_limit(behind_one_proxy, db):
    make_user(Role.STUDENT, email="target@example.com")
    statuses = []
    for n in range(40):
        # The attacker writes a fresh address in front; the proxy appends the real one.
        attacker = via_proxy(f"192.0.2.{n}, 203.0.113.66")
        statuses.append(sign_in(attacker, f"someone{n % 8}@example.com", f"guess-{n}").status_code)
    assert 429 in statuses[:35]
    assert sign_in(via_proxy("192.0.2.200, 203.0.113.66"), "target@example.com", PASSWORD).status_code == 429


def test_without_a_proxy_the_header_is_ignored(settings, db):
    assert settings.TRUSTED_PROXY_COUNT == 0  # `make run` and the tests' default
    statuses = [
        Client(REMOTE_ADDR="203.0.113.66", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        .post("/accounts/login/", {"login": f"someone{n % 8}@example.com", "password": f"guess-{n}"})
        .status_code
        for n in range(40)
    ]
    assert 429 in statuses


def _admin_delete_as(client: Client, staff) -> AuditLogEntry:
    notification = services.notify(user=staff, kind="course", title="Doomed")
    client.force_login(staff)
    client.post(reverse("admin:lms_notification_delete", args=[notification.pk]), {"post": "yes"})
    assert not Notification.objects.filter(pk=notification.pk).exists()
    return AuditLogEntry.objects.get(action="admin.delete")


def test_the_audit_log_records_the_real_clients_address(behind_one_proxy, staff_user):
    entry = _admin_delete_as(via_proxy("192.0.2.99, 198.51.100.23"), staff_user)
    assert entry.ip_address == "198.51.100.23"


def test_the_audit_log_ignores_the_header_without_a_proxy(staff_user):
    entry = _admin_delete_as(Client(REMOTE_ADDR="198.51.100.40", headers={"X-Forwarded-For": "192.0.2.1"}), staff_user)
    assert entry.ip_address == "198.51.100.40"


def test_the_setting_is_documented():
    assert "TRUSTED_PROXY_COUNT" in (settings_module_dir() / ".env.example").read_text()
    assert "TRUSTED_PROXY_COUNT" in (settings_module_dir() / "docs" / "deploy.md").read_text()


def settings_module_dir():
    from django.conf import settings

    return settings.BASE_DIR
