"""Refunds, disputes, subscriptions, receipts and the ledger, through services and events."""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from billing import ledger, services, webhooks
from billing.exceptions import AlreadyOwned, BillingError
from billing.models import Dispute, LedgerEntry, Payment, Plan, Receipt, Refund, Subscription, WebhookEvent
from billing.money import format_minor, to_minor
from billing.tests.factories import checkout_completed_event, course_create, event
from billing.tests.test_webhook import deliver, start_checkout
from courses.models import Enrollment
from lms.models import Notification, Role
from lms.tests.factories import make_user


def bought(student, course) -> Payment:
    payment = start_checkout(student, course)
    webhooks.event_process(event=checkout_completed_event(payment))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def has_access(student, course) -> bool:
    return Enrollment.objects.filter(student=student, course=course, status="active").exists()


def test_money_helpers():
    from decimal import Decimal

    assert to_minor(Decimal("19.99"), "GBP") == 1999
    assert to_minor(Decimal("500"), "JPY") == 500
    assert format_minor(1999, "GBP") == "£19.99"
    assert format_minor(5900, "GBP") == "£59"
    assert format_minor(123456, "SEK") == "SEK1,234.56"
    assert format_minor(-250, "GBP") == "-£2.50"
    assert ledger.split(1000, 800, 2500) == (320, 680)


def test_buying_a_course_you_own_is_refused(stripe_stub, student, course):
    bought(student, course)
    with pytest.raises(AlreadyOwned):
        services.checkout_start(user=student, course=course, base_url="http://testserver")


def test_the_teacher_cannot_buy_their_own_course(stripe_stub, teacher, course):
    with pytest.raises(AlreadyOwned):
        services.checkout_start(user=teacher, course=course, base_url="http://testserver")


def test_free_course_cannot_be_bought(stripe_stub, student, teacher):
    free = course_create(teacher=teacher, price="0")
    with pytest.raises(BillingError):
        services.checkout_start(user=student, course=free, base_url="http://testserver")


def test_ledger_refuses_an_unbalanced_transaction(db):
    with pytest.raises(BillingError):
        ledger.transaction_record(
            key="bad",
            kind="payment",
            legs=[ledger.Leg("provider_balance", 100, "GBP"), ledger.Leg("platform_revenue", -99, "GBP")],
        )


def test_partial_then_full_refund_from_admin_service(stripe_stub, student, staff_user, course):
    payment = bought(student, course)
    services.payment_refund(payment=payment, amount=1000, actor=staff_user, reason="Partly unhappy")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert has_access(student, course)
    (call,) = stripe_stub.calls("POST", "/v1/refunds")
    assert call["params"]["amount"] == "1000"
    assert call["params"]["payment_intent"] == f"pi_{payment.pk}"
    assert call["idempotency_key"] == f"refund-{payment.pk}-0-1000"

    with pytest.raises(BillingError):
        services.payment_refund(payment=payment, amount=1501, actor=staff_user, reason="Too much")
    services.payment_refund(payment=payment, amount=1500, actor=staff_user, reason="The rest")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.amount_refunded == 2500
    assert not has_access(student, course)
    assert Notification.objects.filter(user=student, kind="billing", title__startswith="Refund").count() == 2
    # Stripe then reports both refunds in charge.refunded: nothing is counted twice.
    refund_ids = list(Refund.objects.order_by("id").values_list("provider_refund_id", flat=True))
    charge = event(
        "charge.refunded",
        {
            "id": payment.charge_id,
            "payment_intent": payment.payment_intent_id,
            "amount_refunded": 2500,
            "refunds": {
                "data": [
                    {"id": rid, "amount": a, "status": "succeeded"}
                    for rid, a in zip(refund_ids, [1000, 1500], strict=True)
                ]
            },
        },
        event_id="evt_charge_refunded",
    )
    assert deliver(Client(), charge).status_code == 200
    assert Refund.objects.count() == 2
    # Ledger: the teacher's 2000 share and the platform's 500 fee are reversed in full.
    payable = sum(LedgerEntry.objects.filter(account="teacher_payable").values_list("amount", flat=True))
    revenue = sum(LedgerEntry.objects.filter(account="platform_revenue").values_list("amount", flat=True))
    assert payable == 0 and revenue == 0
    ledger.assert_balanced()


def test_refund_failure_at_stripe_changes_nothing(stripe_stub, student, staff_user, course):
    payment = bought(student, course)
    stripe_stub.refund_status = "failed"
    with pytest.raises(BillingError):
        services.payment_refund(payment=payment, amount=2500, actor=staff_user, reason="x")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and not Refund.objects.exists()
    assert has_access(student, course)


def test_refund_in_stripe_dashboard_ends_access(stripe_stub, student, course):
    payment = bought(student, course)
    charge = event(
        "charge.refunded",
        {"id": payment.charge_id, "payment_intent": payment.payment_intent_id, "amount_refunded": 2500},
        event_id="evt_dashboard_refund",
    )
    assert deliver(Client(), charge).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert not has_access(student, course)
    ledger.assert_balanced()


def test_stripe_dispute_created_then_lost(stripe_stub, student, course):
    payment = bought(student, course)
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "charge": payment.charge_id,
        "payment_intent": payment.payment_intent_id,
        "amount": 2500,
        "currency": "gbp",
        "reason": "fraudulent",
        "status": "needs_response",
    }
    client = Client()
    assert deliver(client, event("charge.dispute.created", dispute, event_id="evt_dp_created")).status_code == 200
    record = Dispute.objects.get()
    assert record.status == Dispute.Status.OPEN and record.source == Dispute.Source.PROVIDER
    assert has_access(student, course)
    closed = {**dispute, "status": "lost"}
    assert deliver(client, event("charge.dispute.closed", closed, event_id="evt_dp_closed")).status_code == 200
    record.refresh_from_db()
    assert record.status == Dispute.Status.LOST and record.outcome_notified_at
    assert not has_access(student, course)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert Notification.objects.filter(user=student, title__contains="lost").exists()
    ledger.assert_balanced()


def test_stripe_dispute_won_keeps_access(stripe_stub, student, course):
    payment = bought(student, course)
    dispute = {"id": "dp_2", "charge": payment.charge_id, "amount": 2500, "currency": "gbp", "status": "won"}
    assert deliver(Client(), event("charge.dispute.closed", dispute, event_id="evt_dp_won")).status_code == 200
    assert Dispute.objects.get().status == Dispute.Status.WON
    assert has_access(student, course)


def test_student_dispute_and_staff_outcome(stripe_stub, student, staff_user, course):
    payment = bought(student, course)
    with pytest.raises(BillingError):
        services.dispute_open(user=student, payment=payment, message="short")
    dispute = services.dispute_open(user=student, payment=payment, message="The videos in week 1 do not play at all.")
    assert Notification.objects.filter(user=staff_user, title__startswith="New dispute").exists()
    with pytest.raises(BillingError):
        services.dispute_open(user=student, payment=payment, message="Another complaint about the same payment.")
    live = services.dispute_open(user=student, live_class_reference="Maths, 3 May", message="The teacher never came.")
    assert live.subject == Dispute.Subject.LIVE_CLASS
    dispute.status = Dispute.Status.RESOLVED
    dispute.resolution = "We fixed the videos and extended your access."
    dispute.save()
    assert services.dispute_outcome_notify(dispute=dispute)
    assert not services.dispute_outcome_notify(dispute=dispute)  # once
    note = Notification.objects.get(user=student, title__startswith="Your dispute")
    assert "fixed the videos" in note.body


def test_student_cannot_dispute_someone_elses_payment(stripe_stub, student, course):
    payment = bought(student, course)
    other = make_user("student")
    with pytest.raises(BillingError):
        services.dispute_open(user=other, payment=payment, message="This is not my payment but I dispute it.")


# --- Receipts ---------------------------------------------------------------------------


def test_receipt_numbers_are_sequential(stripe_stub, student, teacher):
    numbers = [bought(student, course_create(teacher=teacher)).receipt.number for _ in range(3)]
    assert numbers == sorted(numbers) and numbers[2] - numbers[0] == 2


def test_receipt_pdf_has_seller_and_tax_line(settings, stripe_stub, student, course):
    from billing.receipts import receipt_pdf, tax_included

    settings.BILLING_TAX_NAME = "VAT"
    settings.BILLING_TAX_PERCENT = 20
    payment = bought(student, course)
    assert tax_included(payment.amount) == 417  # £25.00 including 20% VAT
    pdf = receipt_pdf(payment.receipt)
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "£25" in text and "£4.17" in text  # the site's one price format (lms/formats.py)


def test_receipt_pdf_draws_the_euro_sign(stripe_stub, student, teacher):
    from billing.receipts import receipt_pdf

    payment = bought(student, course_create(teacher=teacher, price="19.50", currency="EUR"))
    text = PdfReader(io.BytesIO(receipt_pdf(payment.receipt))).pages[0].extract_text()
    assert "€19.50" in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_receipt_numbers_under_concurrency_are_unique_and_gap_free(stripe_stub, student, teacher):
    payments = [start_checkout(student, course_create(teacher=teacher)) for _ in range(6)]
    barrier = threading.Barrier(len(payments))
    errors = []

    def worker(payment):
        try:
            barrier.wait()
            webhooks.event_process(event=checkout_completed_event(payment))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(p,)) for p in payments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 6))
    ledger.assert_balanced()


# --- Subscriptions ----------------------------------------------------------------------


@pytest.fixture
def plan(teacher, course):
    plan = Plan.objects.create(
        name="All access", slug="all-access", amount=1500, currency="GBP", provider_price_id="price_all"
    )
    plan.courses.add(course)
    return plan


def sub_event(kind, *, customer, status="active", cancel=False, period_end=None, event_id):
    period_end = period_end or int((timezone.now() + dt.timedelta(days=30)).timestamp())
    return event(
        f"customer.subscription.{kind}",
        {
            "id": "sub_1",
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": cancel,
            "items": {"data": [{"price": {"id": "price_all"}, "current_period_end": period_end}]},
            "metadata": {},
        },
        event_id=event_id,
    )


def invoice_event(kind, *, customer, event_id, amount=1500, period_end=None):
    period_end = period_end or int((timezone.now() + dt.timedelta(days=30)).timestamp())
    return event(
        f"invoice.{kind}",
        {
            "id": f"in_{event_id}",
            "object": "invoice",
            "customer": customer,
            "amount_paid": amount if kind == "paid" else 0,
            "currency": "gbp",
            "parent": {"subscription_details": {"subscription": "sub_1"}},
            "lines": {"data": [{"period": {"end": period_end}}]},
        },
        event_id=event_id,
    )


def test_subscription_lifecycle_failed_renewal_grace_and_cancellation(settings, stripe_stub, student, course, plan):
    settings.BILLING_GRACE_DAYS = 7
    customer = services.customer_ensure(user=student).provider_customer_id
    url = services.subscription_checkout_start(user=student, plan=plan, base_url="http://testserver")
    assert url.startswith("https://checkout.stripe.test/")
    client = Client()
    # invoice.paid can arrive before the subscription itself: it is parked, then applied.
    assert deliver(client, invoice_event("paid", customer=customer, event_id="evt_inv1")).status_code == 200
    assert WebhookEvent.objects.get(event_id="evt_inv1").status == WebhookEvent.Status.PARKED
    assert deliver(client, sub_event("created", customer=customer, event_id="evt_sub_created")).status_code == 200
    assert WebhookEvent.objects.get(event_id="evt_inv1").status == WebhookEvent.Status.PROCESSED
    subscription = Subscription.objects.get()
    assert subscription.has_access and has_access(student, course)
    enrollment = Enrollment.objects.get(student=student, course=course, status="active")
    assert enrollment.source == Enrollment.Source.SUBSCRIPTION
    assert Payment.objects.get(kind="subscription").receipt

    # A renewal fails: still open during the grace period, closed after it.
    assert deliver(client, invoice_event("payment_failed", customer=customer, event_id="evt_inv2")).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAST_DUE and subscription.grace_until
    assert has_access(student, course)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert services.subscriptions_expire() == 1
    assert not has_access(student, course)

    # The card is updated and the invoice paid: open again.
    assert deliver(client, invoice_event("paid", customer=customer, event_id="evt_inv3")).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE and subscription.grace_until is None
    assert has_access(student, course)

    # Cancelled at period end: open until the end, closed when Stripe deletes it.
    assert (
        deliver(client, sub_event("updated", customer=customer, cancel=True, event_id="evt_cancel")).status_code == 200
    )
    assert has_access(student, course)
    assert (
        deliver(
            client, sub_event("deleted", customer=customer, status="canceled", cancel=True, event_id="evt_deleted")
        ).status_code
        == 200
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELED and not subscription.has_access
    assert not has_access(student, course)
    ledger.assert_balanced()


def test_subscription_ending_does_not_touch_a_purchased_enrollment(stripe_stub, student, course, plan):
    bought(student, course)
    customer = student.billing_customer.provider_customer_id
    client = Client()
    deliver(client, sub_event("created", customer=customer, event_id="evt_s1"))
    deliver(client, sub_event("deleted", customer=customer, status="canceled", event_id="evt_s2"))
    assert Enrollment.objects.get(student=student, course=course, status="active").source == Enrollment.Source.PURCHASE


def test_portal_link_comes_from_stripe(stripe_stub, student, plan):
    services.customer_ensure(user=student)
    client = Client()
    client.force_login(student)
    response = client.post("/billing/subscriptions/manage/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://billing.stripe.test/p/session/")


def test_demo_data_is_idempotent(test_provider, teacher):
    import io

    from billing import demo

    course_create(teacher=teacher, price="30.00")
    make_user(Role.STUDENT, email="student@lyceum.test")
    out = io.StringIO()
    demo.load(stdout=out)
    demo.load(stdout=out)
    assert Plan.objects.count() == 2
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED and payment.receipt
    ledger.assert_balanced()


def test_the_balance_check_catches_an_unbalanced_transaction(db):
    from billing.models import LedgerEntry, LedgerTransaction

    txn = LedgerTransaction.objects.create(key="broken", kind="payment")
    LedgerEntry.objects.create(transaction=txn, account="provider_balance", amount=100, currency="GBP")
    with pytest.raises(AssertionError):
        ledger.assert_balanced()
    txn.entries.all().delete()
