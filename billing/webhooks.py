"""Provider events: stored once by id, then handed to one handler per type.

`event_process` is the single way an event changes anything. The webhook view calls it
with a verified Stripe event; the test provider calls it with an event it builds in the
same shape. A redelivered event finds its stored row already processed and does
nothing; an event about something we have not recorded yet (a refund before the
checkout completed) is parked and retried after each event that is processed.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import lessons, payouts, services
from billing.exceptions import BillingError, EventParked, EventRejected
from billing.models import Payment, WebhookEvent
from live import services as live_services
from live.models import LiveClass

logger = logging.getLogger(__name__)

DONE = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED)


def _payment_id_from(obj: dict) -> int | None:
    metadata = obj.get("metadata") or {}
    raw = metadata.get("payment_id") or obj.get("client_reference_id")
    try:
        return int(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _payment_for_charge(charge: dict) -> Payment:
    intent = charge.get("payment_intent")
    query = Payment.objects.none()
    if intent:
        query = Payment.objects.filter(payment_intent_id=intent)
    payment = query.first() or (
        Payment.objects.filter(charge_id=charge.get("id")).first() if charge.get("id") else None
    )
    if payment is None:
        payment_id = _payment_id_from(charge)
        payment = Payment.objects.filter(pk=payment_id, status__in=Payment.REFUNDABLE).first() if payment_id else None
    if payment is None or payment.status not in (*Payment.REFUNDABLE, Payment.Status.REFUNDED):
        raise EventParked(f"No paid payment for charge {charge.get('id')} yet.")
    return payment


# --- Handlers: each gets the event's data.object ----------------------------------------


def _session_money(session: dict) -> dict:
    """What a completed Checkout Session says was paid (or authorised), and by whom."""
    return {
        "amount": int(session.get("amount_total") or 0),
        "currency": session.get("currency") or "",
        "customer_id": session.get("customer") or "",
        "payment_intent_id": session.get("payment_intent") or "",
    }


def _lesson_authorised(payment: Payment, **money) -> None:
    """A lesson's price is held on the card: a one-to-one request waits for the teacher; a place
    in a group class (confirmed already) is taken at once."""
    if payment.live_class_id and payment.live_class.kind == LiveClass.Kind.GROUP:
        live_services.group_seat_paid(payment_id=payment.pk, **money)
    else:
        lessons.lesson_authorised(payment_id=payment.pk, **money)


def _checkout_session_completed(session: dict) -> None:
    if session.get("mode") == "subscription":
        # The subscription's own events and invoice.paid do the work; just link the customer.
        services._user_for_customer(session.get("customer"))
        return
    payment_id = _payment_id_from(session)
    payment = Payment.objects.filter(checkout_session_id=session.get("id")).first()
    if payment is not None and payment.kind == Payment.Kind.LESSON:
        if payment.pk != payment_id:
            raise EventRejected(f"Checkout session {session.get('id')} is not one we opened.")
        # Manual capture: the session completes "unpaid" with the money authorised.
        _lesson_authorised(payment, **_session_money(session))
        return
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return  # an asynchronous method: payment_intent.succeeded follows
    if payment is None or payment.pk != payment_id:
        raise EventRejected(f"Checkout session {session.get('id')} is not one we opened.")
    if payment.kind in (Payment.Kind.PACKAGE, Payment.Kind.TRIAL):
        lessons.credits_fulfil(payment_id=payment.pk, **_session_money(session))
        return
    total = int(session.get("amount_total") or 0)
    discount = int((session.get("total_details") or {}).get("amount_discount") or 0)
    services.payment_fulfil(
        payment_id=payment.pk,
        amount=total,
        discount=discount,
        currency=session.get("currency") or "",
        customer_id=session.get("customer") or "",
        payment_intent_id=session.get("payment_intent") or "",
    )


def _checkout_session_expired(session: dict) -> None:
    payment = Payment.objects.filter(checkout_session_id=session.get("id") or "").first()
    if payment is not None and payment.kind == Payment.Kind.LESSON:
        lessons.lesson_checkout_abandon(payment_id=payment.pk)  # the slot frees up
    elif payment is not None:
        services.payment_cancel(payment_id=payment.pk)


def _payment_intent_succeeded(intent: dict) -> None:
    payment_id = _payment_id_from(intent)
    if payment_id is None:
        return  # not a course purchase (e.g. a subscription invoice): invoice.paid handles it
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is not None and payment.kind == Payment.Kind.LESSON:
        lessons.lesson_captured_elsewhere(
            payment_id=payment.pk, payment_intent_id=intent.get("id") or "", amount=amount
        )
        return
    if payment is not None and payment.kind in (Payment.Kind.PACKAGE, Payment.Kind.TRIAL):
        lessons.credits_fulfil(
            payment_id=payment.pk,
            amount=amount,
            currency=intent.get("currency") or "",
            customer_id=intent.get("customer") or "",
            payment_intent_id=intent.get("id") or "",
        )
        return
    if payment is not None and payment.status == Payment.Status.PENDING and amount < payment.amount:
        # A promotion code: only the Checkout Session says how much was discounted.
        raise EventParked(f"Payment #{payment_id} was discounted; waiting for checkout.session.completed.")
    services.payment_fulfil(
        payment_id=payment_id,
        amount=amount,
        currency=intent.get("currency") or "",
        customer_id=intent.get("customer") or "",
        payment_intent_id=intent.get("id") or "",
    )


def _payment_intent_failed(intent: dict) -> None:
    payment_id = _payment_id_from(intent)
    if payment_id is None:
        return
    if Payment.objects.filter(pk=payment_id, kind=Payment.Kind.LESSON).exists():
        return  # the student can try another card in the same checkout; the slot stays held until it expires
    error = intent.get("last_payment_error") or {}
    services.payment_fail(payment_id=payment_id, message=error.get("message") or "The card was declined.")


def _payment_intent_authorised(intent: dict) -> None:
    """payment_intent.amount_capturable_updated: a manual-capture lesson is authorised."""
    payment_id = _payment_id_from(intent)
    payment = Payment.objects.filter(pk=payment_id).first() if payment_id else None
    if payment is None or payment.kind != Payment.Kind.LESSON:
        return
    _lesson_authorised(
        payment,
        amount=int(intent.get("amount_capturable") or 0),
        currency=intent.get("currency") or "",
        customer_id=intent.get("customer") or "",
        payment_intent_id=intent.get("id") or "",
    )


def _payment_intent_canceled(intent: dict) -> None:
    lessons.lesson_released_elsewhere(payment_intent_id=intent.get("id") or "")


def _charge_refunded(charge: dict) -> None:
    payment = _payment_for_charge(charge)
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    recorded = 0
    for refund in refunds:
        if refund.get("status") in ("failed", "canceled"):
            continue
        services.refund_record(
            payment=payment,
            provider_refund_id=refund["id"],
            amount=int(refund["amount"]),
            reason=(refund.get("metadata") or {}).get("reason") or "Refunded in Stripe",
        )
        recorded += 1
    if not recorded:
        # Newer API versions leave `refunds` out: record the difference in the total.
        payment.refresh_from_db()
        missing = int(charge.get("amount_refunded") or 0) - payment.amount_refunded
        if missing > 0:
            services.refund_record(
                payment=payment,
                provider_refund_id=f"{charge.get('id')}:{charge.get('amount_refunded')}",
                amount=missing,
                reason="Refunded in Stripe",
            )


def _dispute(dispute: dict) -> None:
    payment = _payment_for_charge({"id": dispute.get("charge"), "payment_intent": dispute.get("payment_intent")})
    services.dispute_provider_sync(payment=payment, data=dispute)


def _subscription(data: dict) -> None:
    services.subscription_sync(data=data)


def _invoice_subscription_id(invoice: dict) -> str:
    if isinstance(invoice.get("subscription"), str):
        return invoice["subscription"]
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    return parent.get("subscription") or ""


def _invoice(invoice: dict, *, paid: bool) -> None:
    subscription_id = _invoice_subscription_id(invoice)
    if not subscription_id:
        return  # a one-off invoice: nothing of ours
    subscription = services.subscription_find(subscription_id)
    if subscription is None:
        services._user_for_customer(invoice.get("customer"))  # unknown customer: reject, not park
        raise EventParked(f"Subscription {subscription_id} not recorded yet.")
    if paid:
        services.invoice_paid(subscription=subscription, invoice=invoice)
    else:
        services.invoice_payment_failed(subscription=subscription, invoice=invoice)


HANDLERS = {
    "checkout.session.completed": _checkout_session_completed,
    "checkout.session.async_payment_succeeded": _checkout_session_completed,
    "checkout.session.expired": _checkout_session_expired,
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    "payment_intent.amount_capturable_updated": _payment_intent_authorised,
    "payment_intent.canceled": _payment_intent_canceled,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.closed": _dispute,
    "customer.subscription.created": _subscription,
    "customer.subscription.updated": _subscription,
    "customer.subscription.deleted": _subscription,
    "invoice.paid": lambda invoice: _invoice(invoice, paid=True),
    "invoice.payment_failed": lambda invoice: _invoice(invoice, paid=False),
    "transfer.reversed": lambda transfer: payouts.payout_reversal_sync(data=transfer),
    "transfer.updated": lambda transfer: payouts.payout_reversal_sync(data=transfer),
}

# Handlers that need the whole event (its `created` time orders status reports).
EVENT_HANDLERS = {
    "account.updated": lambda event: payouts.payout_account_sync(
        data=(event.get("data") or {}).get("object") or {}, created=event.get("created")
    ),
    # On the teacher's connected account: their bank refused Stripe's payout of our transfers.
    "payout.failed": lambda event: payouts.bank_payout_failed(
        account_id=event.get("account") or "", data=(event.get("data") or {}).get("object") or {}
    ),
}


# --- Store and process ------------------------------------------------------------------


def _store(event: dict) -> None:
    try:
        with transaction.atomic():
            WebhookEvent.objects.get_or_create(event_id=event["id"], defaults={"type": event["type"], "payload": event})
    except IntegrityError:
        pass  # another connection stored it first


def _run(event_id: str) -> WebhookEvent:
    with transaction.atomic():
        stored = WebhookEvent.objects.select_for_update().get(event_id=event_id)
        if stored.status in DONE or stored.status == WebhookEvent.Status.REJECTED:
            return stored
        handler = HANDLERS.get(stored.type)
        event_handler = EVENT_HANDLERS.get(stored.type)
        stored.attempts += 1
        if handler is None and event_handler is None:
            stored.status = WebhookEvent.Status.IGNORED
        else:
            try:
                with transaction.atomic():
                    if event_handler is not None:
                        event_handler(stored.payload)
                    else:
                        handler((stored.payload.get("data") or {}).get("object") or {})
            except EventParked as exc:
                stored.status, stored.error = WebhookEvent.Status.PARKED, str(exc)
            except EventRejected as exc:
                logger.warning("Rejected provider event %s: %s", event_id, exc)
                stored.status, stored.error = WebhookEvent.Status.REJECTED, str(exc)
            except BillingError as exc:
                stored.status, stored.error = WebhookEvent.Status.FAILED, str(exc)
            except (AttributeError, TypeError, ValueError, OverflowError) as exc:
                # A signed event whose fields have the wrong shape: a retry cannot mend it.
                logger.exception("Rejected malformed provider event %s", event_id)
                stored.status, stored.error = WebhookEvent.Status.REJECTED, f"Malformed event: {exc}"
            else:
                stored.status, stored.error = WebhookEvent.Status.PROCESSED, ""
        stored.processed_at = timezone.now()
        stored.save(update_fields=["status", "error", "attempts", "processed_at"])
        return stored


def event_process(*, event: dict) -> WebhookEvent:
    """Store `event` (once) and apply it (once). Returns its stored row."""
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise BillingError("Not an event.")
    _store(event)
    stored = _run(event["id"])
    if stored.status == WebhookEvent.Status.PROCESSED:
        events_retry_parked()
    return stored


def events_retry_parked() -> int:
    """Apply parked events whose missing piece may now be there; returns how many went through."""
    done = 0
    progress = True
    while progress:
        progress = False
        for event_id in (
            WebhookEvent.objects.filter(status=WebhookEvent.Status.PARKED)
            .order_by("received_at", "id")[:100]
            .values_list("event_id", flat=True)
        ):
            if _run(event_id).status == WebhookEvent.Status.PROCESSED:
                done += 1
                progress = True
    return done
