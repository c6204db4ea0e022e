"""Billing speaks the reader's language: receipts in the payer's, notifications as lazy text
(notify renders them in the recipient's), pages in every shipped language."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from billing import services, tasks, testprovider
from billing.models import LedgerTransaction, Plan
from billing.tests.factories import course_create, site_ensure
from billing.tests.test_services import bought
from lms.models import Role
from lms.tests.factories import make_user
from lms.tests.pseudo_locale import PSEUDO, UserData, english_left, install


def test_receipt_email_is_written_in_the_payers_language(stripe_stub, student, course, monkeypatch, mailoutbox):
    payment = bought(student, course)
    student.language = "hi"
    student.save(update_fields=["language"])
    languages = []
    real_render = tasks.render_to_string

    def render(template, context):
        languages.append(translation.get_language())
        return real_render(template, context)

    monkeypatch.setattr(tasks, "render_to_string", render)
    with translation.override("es"):  # whoever sends it reads Spanish
        assert tasks.receipt_email_send(payment.receipt.pk) == "sent"
    assert languages == ["hi", "hi", "hi"]  # subject, text and HTML
    assert mailoutbox[-1].to == [student.email]


def test_refund_notification_is_lazy_text(stripe_stub, student, staff_user, course, monkeypatch):
    payment = bought(student, course)
    sent = []
    real_notify = services.notify
    monkeypatch.setattr(services, "notify", lambda **kwargs: sent.append(kwargs) or real_notify(**kwargs))
    services.payment_refund(payment=payment, amount=payment.amount, actor=staff_user, reason="Test")
    (call,) = sent
    assert isinstance(call["title"], Promise) and isinstance(call["body"], Promise)
    assert str(call["title"]).startswith("Refund of £25 for ")
    assert str(call["body"]).endswith("Your access to the course has ended.")


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_billing_pages_render_in_every_language(stripe_stub, student, teacher, staff_user, course, language):
    payment = bought(student, course)
    pages = [
        (student, reverse("billing:history")),
        (student, reverse("billing:plans")),
        (student, reverse("billing:checkout_cancelled", args=[payment.pk])),
        (student, reverse("billing:dispute_new") + f"?payment={payment.pk}"),
        (teacher, reverse("billing:earnings")),
        (staff_user, reverse("admin:billing_revenue")),
        (staff_user, reverse("admin:billing_payouts")),
        (staff_user, reverse("admin:billing_payment_refund", args=[payment.pk])),
    ]
    for user, url in pages:
        client = Client()
        client.force_login(user)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == language, url


def test_ledger_records_are_written_in_the_sites_language(stripe_stub, student, staff_user, course):
    payment = bought(student, course)
    with translation.override("es"):  # a Spanish-reading staff member refunds
        services.payment_refund(payment=payment, amount=500, actor=staff_user, reason="Test")
    txn = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.REFUND)
    assert txn.description == f"Refund on payment #{payment.pk}"


def _content(html: str) -> str:
    # Billing's part of the page: the breadcrumbs and <main>, not the shared header and menus.
    parts = re.findall(r'<div class="breadcrumbs">.*?</div>|<main\b.*?</main>', html, flags=re.S)
    return "".join(parts)


@pytest.mark.django_db(transaction=True)
def test_billing_pages_the_site_wide_test_does_not_open_are_translated(tmp_path, settings, test_provider):
    """The pseudo-locale check (lms/tests/test_pseudo_locale.py) for the pages of the
    purchase and subscription flows, the test provider and the staff's refund form."""
    site_ensure()
    install(tmp_path)
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo-English")]
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    teacher, staff = make_user(Role.TEACHER), make_user(Role.STAFF, email="staff@example.com")
    student = make_user(Role.STUDENT, email="buyer@example.com")
    course = course_create(teacher=teacher, price="25.00")
    plan = Plan.objects.create(name="All access", slug="all-access", amount=1500, currency="GBP")
    plan.courses.add(course)
    pending, _url = services.checkout_start(user=student, course=course, base_url="http://testserver")
    student_client, staff_client = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO), Client(HTTP_ACCEPT_LANGUAGE=PSEUDO)
    student_client.force_login(student)
    staff_client.force_login(staff)
    plan_checkout = student_client.post(reverse("billing:subscribe", args=[plan.pk]))["Location"]
    pages = [
        (student_client, reverse("billing:test_checkout", args=[pending.checkout_session_id])),
        (student_client, plan_checkout),
        (student_client, reverse("billing:checkout_success", args=[pending.pk])),
        (student_client, reverse("billing:checkout_cancelled", args=[pending.pk])),
        (student_client, reverse("billing:subscription_success")),
        (student_client, reverse("billing:dispute_new")),
        (student_client, reverse("billing:dispute_new") + f"?payment={pending.pk}"),
    ]
    data, failures = UserData(), []

    def check(pages):
        for client, url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            failures.extend(f"{url}: {text!r}" for text in english_left(_content(response.content.decode()), data))

    check(pages)  # before paying: checkouts, the waiting pages, the dispute forms
    student_client.post(plan_checkout, data={"action": "pay"})
    testprovider.pay(session_id=pending.checkout_session_id, user=student)
    check(
        [
            (student_client, reverse("billing:subscription_success")),
            (student_client, reverse("billing:test_portal")),
            (student_client, reverse("billing:history")),
            (student_client, reverse("billing:plans")),
            (staff_client, reverse("admin:billing_payment_refund", args=[pending.pk])),
            (staff_client, reverse("admin:billing_revenue") + "?group=course"),
        ]
    )
    assert not failures, "\n".join(failures)
