"""The webhook, end to end: the real `stripe` library against a local stub, events signed
exactly as Stripe signs them, posted to /billing/stripe/webhook/."""

import threading

import pytest
from django.db import connection
from django.test import Client

from billing import ledger, services
from billing.models import LedgerEntry, LedgerTransaction, Payment, Receipt, Refund, WebhookEvent
from billing.tests.conftest import WEBHOOK_SECRET
from billing.tests.factories import as_json, checkout_completed_event, event
from billing.tests.stripe_stub import sign
from courses.models import Enrollment

URL = "/billing/stripe/webhook/"


def deliver(client, evt: dict, *, secret: str = WEBHOOK_SECRET, signature: str | None = None):
    payload = as_json(evt)
    return client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else sign(payload, secret),
    )


def start_checkout(student, course) -> Payment:
    payment, url = services.checkout_start(user=student, course=course, base_url="http://testserver")
    assert url.startswith("https://checkout.stripe.test/")
    return payment


def active_enrollments(student, course):
    return Enrollment.objects.filter(student=student, course=course, status="active")


def test_checkout_creates_a_stripe_session_with_the_course_price(stripe_stub, student, course):
    payment = start_checkout(student, course)
    (call,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    params = call["params"]
    assert params["mode"] == "payment"
    assert params["allow_promotion_codes"] == "True" or params["allow_promotion_codes"] == "true"
    assert params["line_items"]["0"]["price_data"]["unit_amount"] == "2500"
    assert params["line_items"]["0"]["price_data"]["currency"] == "gbp"
    assert params["metadata"]["payment_id"] == str(payment.pk)
    assert call["idempotency_key"] == f"checkout-payment-{payment.pk}"
    assert payment.status == Payment.Status.PENDING
    assert not active_enrollments(student, course).exists()


def test_paid_checkout_grants_access_records_ledger_and_emails_receipt(
    stripe_stub, student, course, mailoutbox, django_capture_on_commit_callbacks
):
    payment = start_checkout(student, course)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(Client(), checkout_completed_event(payment))
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.fee == stripe_stub.fee
    assert payment.charge_id == f"ch_for_pi_{payment.pk}"
    assert active_enrollments(student, course).get().source == Enrollment.Source.PURCHASE
    # 20% platform fee by default: teacher 2000, platform 500, Stripe fee 50 borne by the platform.
    entries = {
        (e.transaction.kind, e.account): e.amount
        for e in LedgerEntry.objects.filter(transaction__payment=payment).select_related("transaction")
    }
    assert entries == {
        ("payment", "provider_balance"): 2500,
        ("payment", "teacher_payable"): -2000,
        ("payment", "platform_revenue"): -500,
        ("stripe_fee", "provider_fees"): 50,
        ("stripe_fee", "provider_balance"): -50,
    }
    receipt = Receipt.objects.get(payment=payment)
    receipt_mail = [m for m in mailoutbox if receipt.reference in m.subject]
    assert len(receipt_mail) == 1
    (_name, content, mimetype) = receipt_mail[0].attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    ledger.assert_balanced()


def test_same_event_delivered_100_times_has_one_effect(stripe_stub, student, course):
    payment = start_checkout(student, course)
    evt = checkout_completed_event(payment)
    client = Client()
    for _ in range(100):
        assert deliver(client, evt).status_code == 200
    assert Enrollment.objects.filter(student=student, course=course).count() == 1
    assert LedgerTransaction.objects.filter(payment=payment).count() == 2
    assert LedgerEntry.objects.filter(transaction__payment=payment).count() == 5
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert WebhookEvent.objects.get(event_id=evt["id"]).attempts == 1
    # A different event for the same payment (payment_intent.succeeded) changes nothing either.
    intent = event(
        "payment_intent.succeeded",
        {
            "id": f"pi_{payment.pk}",
            "object": "payment_intent",
            "amount": 2500,
            "amount_received": 2500,
            "currency": "gbp",
            "customer": student.billing_customer.provider_customer_id,
            "metadata": {"payment_id": str(payment.pk)},
        },
        event_id="evt_pi_succeeded",
    )
    assert deliver(client, intent).status_code == 200
    assert LedgerEntry.objects.filter(transaction__payment=payment).count() == 5
    ledger.assert_balanced()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_event_delivered_concurrently_has_one_effect(stripe_stub, student, course):
    payment = start_checkout(student, course)
    evt = checkout_completed_event(payment)
    barrier = threading.Barrier(6)
    statuses, errors = [], []

    def worker():
        try:
            barrier.wait()
            statuses.append(deliver(Client(), evt).status_code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert statuses == [200] * 6
    assert Enrollment.objects.filter(student=student, course=course).count() == 1
    assert LedgerEntry.objects.filter(transaction__payment=payment).count() == 5
    assert Receipt.objects.filter(payment=payment).count() == 1
    ledger.assert_balanced()


def test_bad_signature_is_refused_and_changes_nothing(stripe_stub, student, course):
    payment = start_checkout(student, course)
    evt = checkout_completed_event(payment)
    client = Client()
    assert deliver(client, evt, secret="whsec_wrong").status_code == 400
    assert deliver(client, evt, signature="").status_code == 400
    assert deliver(client, evt, signature="t=1,v1=deadbeef").status_code == 400
    response = client.post(
        URL, data="not json", content_type="application/json", HTTP_STRIPE_SIGNATURE=sign("not json", WEBHOOK_SECRET)
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not active_enrollments(student, course).exists()


def test_without_a_webhook_secret_everything_is_refused(stripe_stub, settings, student, course):
    payment = start_checkout(student, course)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(Client(), checkout_completed_event(payment)).status_code == 400
    assert not WebhookEvent.objects.exists()
    assert not active_enrollments(student, course).exists()


@pytest.mark.parametrize(
    "overrides",
    [{"amount_total": 100}, {"currency": "usd"}, {"customer": "cus_somebody_else"}],
    ids=["amount", "currency", "customer"],
)
def test_mismatched_amount_currency_or_customer_is_rejected(stripe_stub, student, course, overrides):
    payment = start_checkout(student, course)
    response = deliver(Client(), checkout_completed_event(payment, **overrides))
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not active_enrollments(student, course).exists()
    assert not LedgerTransaction.objects.exists()
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.REJECTED


def test_event_for_an_unknown_customer_subscription_is_rejected(stripe_stub, student):
    evt = event(
        "customer.subscription.created",
        {"id": "sub_x", "customer": "cus_unknown", "status": "active", "items": {"data": []}, "metadata": {}},
        event_id="evt_unknown_customer",
    )
    assert deliver(Client(), evt).status_code == 400
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.REJECTED


def test_unknown_event_types_are_acknowledged_and_ignored(stripe_stub, db):
    response = deliver(Client(), event("customer.created", {"id": "cus_1"}, event_id="evt_other"))
    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED


def test_refund_before_checkout_completed_is_parked_then_applied(stripe_stub, student, course):
    payment = start_checkout(student, course)
    client = Client()
    refunded = event(
        "charge.refunded",
        {
            "id": f"ch_for_pi_{payment.pk}",
            "object": "charge",
            "payment_intent": f"pi_{payment.pk}",
            "amount": 2500,
            "amount_refunded": 2500,
            "refunds": {"data": [{"id": "re_dashboard_1", "amount": 2500, "status": "succeeded"}]},
        },
        event_id="evt_refund_early",
    )
    assert deliver(client, refunded).status_code == 200
    assert WebhookEvent.objects.get(event_id="evt_refund_early").status == WebhookEvent.Status.PARKED
    assert deliver(client, checkout_completed_event(payment)).status_code == 200
    assert WebhookEvent.objects.get(event_id="evt_refund_early").status == WebhookEvent.Status.PROCESSED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert Refund.objects.get().provider_refund_id == "re_dashboard_1"
    assert not active_enrollments(student, course).exists()
    ledger.assert_balanced()


def test_declined_payment_is_recorded_and_grants_nothing(stripe_stub, student, course):
    payment = start_checkout(student, course)
    failed = event(
        "payment_intent.payment_failed",
        {
            "id": f"pi_{payment.pk}",
            "object": "payment_intent",
            "metadata": {"payment_id": str(payment.pk)},
            "last_payment_error": {"message": "Your card has insufficient funds."},
        },
        event_id="evt_failed",
    )
    assert deliver(Client(), failed).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "insufficient" in payment.failure_message
    assert not active_enrollments(student, course).exists()


def test_a_promotion_code_discount_is_accepted_and_recorded(stripe_stub, student, course):
    payment = start_checkout(student, course)
    client = Client()
    # payment_intent.succeeded for the discounted amount arrives first: it waits for the session.
    intent = event(
        "payment_intent.succeeded",
        {
            "id": f"pi_{payment.pk}",
            "amount": 2000,
            "amount_received": 2000,
            "currency": "gbp",
            "customer": student.billing_customer.provider_customer_id,
            "metadata": {"payment_id": str(payment.pk)},
        },
        event_id="evt_pi_discounted",
    )
    assert deliver(client, intent).status_code == 200
    assert WebhookEvent.objects.get(event_id="evt_pi_discounted").status == WebhookEvent.Status.PARKED
    completed = checkout_completed_event(
        payment, amount_subtotal=2500, amount_total=2000, total_details={"amount_discount": 500}
    )
    assert deliver(client, completed).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.amount, payment.discount) == (Payment.Status.SUCCEEDED, 2000, 500)
    assert payment.teacher_share == 1600
    assert WebhookEvent.objects.get(event_id="evt_pi_discounted").status == WebhookEvent.Status.PROCESSED
    assert active_enrollments(student, course).count() == 1
    # A "discount" that does not add up to the price is still rejected.
    other = start_checkout(student, course_create_for(course))
    bad = checkout_completed_event(other, amount_total=100, total_details={"amount_discount": 500})
    assert deliver(client, bad).status_code == 400
    ledger.assert_balanced()


def course_create_for(course):
    from billing.tests.factories import course_create

    return course_create(teacher=course.owner, price="25.00")


def test_an_expired_checkout_is_cancelled(stripe_stub, student, course):
    payment = start_checkout(student, course)
    expired = event("checkout.session.expired", {"id": payment.checkout_session_id}, event_id="evt_expired")
    assert deliver(Client(), expired).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert not active_enrollments(student, course).exists()


@pytest.mark.parametrize(("offset", "status"), [(-3600, 400), (-60, 200), (60, 200), (3600, 400), (10**9, 400)])
def test_signatures_outside_the_tolerance_either_way_are_refused(stripe_stub, student, course, offset, status):
    import time

    payment = start_checkout(student, course)
    payload = as_json(checkout_completed_event(payment))
    signature = sign(payload, WEBHOOK_SECRET, timestamp=int(time.time()) + offset)
    response = Client().post(URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == status
    payment.refresh_from_db()
    paid = payment.status == Payment.Status.SUCCEEDED
    assert paid == (status == 200) and WebhookEvent.objects.exists() == (status == 200)
    assert active_enrollments(student, course).exists() == (status == 200)
