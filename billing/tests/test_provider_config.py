"""Which payment provider a site has: Stripe, the test provider only where it is allowed
(DEBUG, or the loud staging switch), or none — and then nothing can be bought."""

import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Customer, LedgerEntry, LedgerTransaction, Payment, Plan, Receipt, Subscription, WebhookEvent
from courses.models import Enrollment
from lms.tests.production import check_deploy


@pytest.fixture
def no_provider(settings):
    """Production without Stripe keys: DEBUG off and the staging switch unset."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.BILLING_TEST_PROVIDER_ALLOWED = False
    return settings


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_nothing_stored():
    for model in (Payment, Customer, Enrollment, Receipt, Subscription, LedgerTransaction, LedgerEntry, WebhookEvent):
        assert not model.objects.exists(), model.__name__


def test_course_checkout_without_a_provider_says_so_and_stores_nothing(no_provider, student, course):
    response = signed_in(student).post(reverse("billing:checkout_start", args=[course.pk]))
    assert response.status_code == 503
    assert "Payments are not configured" in response.content.decode()
    assert_nothing_stored()


def test_subscribing_without_a_provider_says_so_and_stores_nothing(no_provider, student, course):
    plan = Plan.objects.create(name="All access", slug="all-access", amount=1500, currency="GBP")
    plan.courses.add(course)
    client = signed_in(student)
    page = client.get(reverse("billing:plans")).content.decode()
    assert "Payments are not configured" in page
    assert reverse("billing:subscribe", args=[plan.pk]) not in page
    response = client.post(reverse("billing:subscribe", args=[plan.pk]))
    assert response.status_code == 503
    assert "Payments are not configured" in response.content.decode()
    assert_nothing_stored()


def test_course_page_offers_no_checkout_without_a_provider(no_provider, student, course):
    page = signed_in(student).get(course.url).content.decode()
    assert "Payments are not configured" in page
    assert reverse("billing:checkout_start", args=[course.pk]) not in page


def test_test_provider_pages_are_gone_without_a_provider(settings, student, course):
    # A session opened while the test provider was allowed cannot be paid once it is not.
    settings.STRIPE_SECRET_KEY = ""
    client = signed_in(student)
    session_url = client.post(reverse("billing:checkout_start", args=[course.pk]))["Location"]
    assert "/billing/test-checkout/" in session_url
    settings.BILLING_TEST_PROVIDER_ALLOWED = False
    assert client.get(session_url).status_code == 404
    assert client.post(session_url, {"action": "pay"}).status_code == 404
    assert client.get(reverse("billing:test_portal")).status_code == 404
    assert not Enrollment.objects.exists()
    assert Payment.objects.get().status == Payment.Status.PENDING


def _settings_in_a_fresh_process(tmp_path, **env) -> str:
    code = "import django;django.setup();from django.conf import settings as s; print(s.BILLING_TEST_PROVIDER_ALLOWED)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "lms.config.settings",
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_test_provider_is_off_in_production_unless_loudly_enabled(tmp_path):
    assert _settings_in_a_fresh_process(tmp_path, DEBUG="0") == "False"
    assert _settings_in_a_fresh_process(tmp_path, DEBUG="1") == "True"  # `make run`
    staging = _settings_in_a_fresh_process(tmp_path, DEBUG="0", BILLING_TEST_PROVIDER_IN_PRODUCTION_I_UNDERSTAND="1")
    assert staging == "True"


def test_check_deploy_fails_while_the_test_provider_is_on_in_production(tmp_path):
    result = check_deploy(tmp_path, BILLING_TEST_PROVIDER_IN_PRODUCTION_I_UNDERSTAND="1")
    assert result.returncode != 0
    assert "billing.E001" in result.stderr + result.stdout
    assert "test payment provider" in result.stderr + result.stdout
    # With Stripe configured the switch has no effect, so nothing to report.
    with_stripe = check_deploy(
        tmp_path, BILLING_TEST_PROVIDER_IN_PRODUCTION_I_UNDERSTAND="1", STRIPE_SECRET_KEY="sk_live_x"
    )
    assert with_stripe.returncode == 0, with_stripe.stdout + with_stripe.stderr
