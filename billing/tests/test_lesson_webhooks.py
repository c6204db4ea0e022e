"""Paid lessons against the local Stripe stub: Checkout with manual capture, capture on
confirm, release on decline, refunds; each webhook replayed and reordered with one effect."""

from datetime import timedelta

import pytest
from django.test import Client

from billing import lessons
from billing.models import LedgerTransaction, LessonCredit, Payment, Refund, WebhookEvent
from billing.tests.factories import event
from billing.tests.lesson_helpers import LATER_SLOT, NOW, SLOT, tutor_make
from billing.tests.test_webhook import deliver
from live import services as live_services
from lms.models import Notification


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def tutor(teacher, clock, stripe_stub):
    return tutor_make(teacher)


def request_lesson(student, teacher, start=SLOT):
    live_class = live_services.booking_request(student=student, teacher=teacher, start=start, minutes=60)
    payment = lessons.lesson_payment(live_class)
    url = lessons.lesson_checkout_start(payment=payment, base_url="http://testserver")
    assert url.startswith("https://checkout.stripe.test/")
    payment.refresh_from_db()
    return live_class, payment


def completed(payment, *, event_id="evt_lesson_done"):
    intent = f"pi_lesson_{payment.pk}"
    return event(
        "checkout.session.completed",
        {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "unpaid",  # manual capture: authorised, not yet paid
            "amount_total": payment.amount,
            "currency": payment.currency.lower(),
            "customer": payment.user.billing_customer.provider_customer_id,
            "client_reference_id": str(payment.pk),
            "metadata": {"payment_id": str(payment.pk)},
            "payment_intent": intent,
        },
        event_id=event_id,
    )


def intent_event(payment, type_, *, event_id, **fields):
    return event(
        type_,
        {
            "id": f"pi_lesson_{payment.pk}",
            "object": "payment_intent",
            "amount": payment.amount,
            "currency": payment.currency.lower(),
            "customer": payment.user.billing_customer.provider_customer_id,
            "metadata": {"payment_id": str(payment.pk)},
            **fields,
        },
        event_id=event_id,
    )


def test_checkout_only_authorises_with_an_idempotency_key(student, teacher, tutor, stripe_stub):
    _live_class, payment = request_lesson(student, teacher)
    (call,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    params = call["params"]
    assert params["payment_intent_data"]["capture_method"] == "manual"
    assert params["line_items"]["0"]["price_data"]["unit_amount"] == "2500"
    assert "expires_at" in params
    assert call["idempotency_key"] == f"checkout-payment-{payment.pk}"


def test_authorisation_replayed_notifies_the_teacher_once(student, teacher, tutor):
    _live_class, payment = request_lesson(student, teacher)
    for _ in range(3):
        assert deliver(Client(), completed(payment)).status_code == 200
    # The same authorisation reported again as its own event type: still one effect.
    deliver(
        Client(),
        intent_event(payment, "payment_intent.amount_capturable_updated", event_id="evt_cap", amount_capturable=2500),
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED and payment.payment_intent_id == f"pi_lesson_{payment.pk}"
    assert Notification.objects.filter(user=teacher, title__contains="asks for a class").count() == 1


def test_confirm_captures_once_and_the_succeeded_event_adds_nothing(student, teacher, tutor, stripe_stub):
    live_class, payment = request_lesson(student, teacher)
    deliver(Client(), completed(payment))
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)
    assert stripe_stub.captured_intents == [f"pi_lesson_{payment.pk}"]
    (capture,) = stripe_stub.calls("POST", f"/v1/payment_intents/pi_lesson_{payment.pk}/capture")
    assert capture["idempotency_key"] == f"capture-{payment.pk}"
    for n in range(2):
        deliver(
            Client(), intent_event(payment, "payment_intent.succeeded", event_id=f"evt_ok_{n}", amount_received=2500)
        )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.fee == stripe_stub.fee
    assert LedgerTransaction.objects.filter(payment=payment, kind="payment").count() == 1


def test_succeeded_before_completed_is_parked_then_applied_once(student, teacher, tutor):
    """Captured in Stripe's dashboard, the events arriving in the wrong order."""
    _live_class, payment = request_lesson(student, teacher)
    early = intent_event(payment, "payment_intent.succeeded", event_id="evt_early", amount_received=2500)
    deliver(Client(), early)
    assert WebhookEvent.objects.get(event_id="evt_early").status == WebhookEvent.Status.PARKED
    deliver(Client(), completed(payment))
    assert WebhookEvent.objects.get(event_id="evt_early").status == WebhookEvent.Status.PROCESSED
    deliver(Client(), early)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert LedgerTransaction.objects.filter(payment=payment, kind="payment").count() == 1


def test_decline_releases_the_hold_once(student, teacher, tutor, stripe_stub):
    live_class, payment = request_lesson(student, teacher)
    deliver(Client(), completed(payment))
    live_services.booking_reject(actor=teacher, live_class_id=live_class.pk, reason="Away")
    assert stripe_stub.cancelled_intents == [f"pi_lesson_{payment.pk}"]
    (cancel,) = stripe_stub.calls("POST", f"/v1/payment_intents/pi_lesson_{payment.pk}/cancel")
    assert cancel["idempotency_key"] == f"release-{payment.pk}"
    for n in range(2):
        deliver(Client(), intent_event(payment, "payment_intent.canceled", event_id=f"evt_cancel_{n}"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert not LedgerTransaction.objects.exists()


def test_release_reported_before_our_own_call_is_harmless(student, teacher, tutor, stripe_stub):
    """Stripe let the authorisation lapse (seven days) and said so first."""
    live_class, payment = request_lesson(student, teacher)
    deliver(Client(), completed(payment))
    deliver(Client(), intent_event(payment, "payment_intent.canceled", event_id="evt_lapsed"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    live_services.booking_reject(actor=teacher, live_class_id=live_class.pk, reason="Away")
    assert stripe_stub.cancelled_intents == []


def test_an_expired_checkout_frees_the_slot_once(student, teacher, tutor):
    live_class, payment = request_lesson(student, teacher)
    expired = event(
        "checkout.session.expired",
        {"id": payment.checkout_session_id, "object": "checkout.session", "status": "expired"},
        event_id="evt_expired",
    )
    for _ in range(2):
        deliver(Client(), expired)
    live_class.refresh_from_db()
    payment.refresh_from_db()
    assert live_class.status == "cancelled" and payment.status == Payment.Status.CANCELLED
    # A late completion (reordered) cannot bring it back: the hold is released at once.
    deliver(Client(), completed(payment, event_id="evt_late"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED


def test_cancellation_refund_and_its_charge_refunded_event_are_one_refund(student, teacher, tutor, clock, stripe_stub):
    live_class, payment = request_lesson(student, teacher, start=LATER_SLOT)
    deliver(Client(), completed(payment))
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)
    clock.move_to(LATER_SLOT - timedelta(hours=5), tick=False)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk)
    (call,) = stripe_stub.calls("POST", "/v1/refunds")
    assert call["params"]["amount"] == "1250"
    assert call["idempotency_key"] == f"lesson-refund:{live_class.pk}:{student.pk}:student-late"
    refund = Refund.objects.get()
    charge = {
        "id": f"ch_for_pi_lesson_{payment.pk}",
        "object": "charge",
        "payment_intent": f"pi_lesson_{payment.pk}",
        "amount_refunded": 1250,
        "refunds": {"data": [{"id": refund.provider_refund_id, "amount": 1250, "status": "succeeded"}]},
    }
    for n in range(2):
        deliver(Client(), event("charge.refunded", charge, event_id=f"evt_refunded_{n}"))
    payment.refresh_from_db()
    assert payment.amount_refunded == 1250 and Refund.objects.count() == 1


def test_a_package_checkout_is_captured_at_once_and_replays_give_credits_once(student, teacher, tutor, stripe_stub):
    from billing.tests.lesson_helpers import package_make

    package = package_make(tutor, lessons_count=5)
    payment, _url = lessons.credits_checkout_start(
        student=student, teacher=teacher, package=package, base_url="http://testserver"
    )
    (call,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    assert "capture_method" not in call["params"]["payment_intent_data"]
    paid = completed(payment, event_id="evt_pkg")
    paid["data"]["object"]["payment_status"] = "paid"
    succeeded = intent_event(payment, "payment_intent.succeeded", event_id="evt_pkg_pi", amount_received=payment.amount)
    for evt in (succeeded, paid, paid, succeeded):  # reordered and replayed
        deliver(Client(), evt)
    credit = LessonCredit.objects.get(student=student)
    assert (credit.total, credit.remaining) == (5, 5)
    assert LedgerTransaction.objects.filter(payment=payment, kind="payment").count() == 1
