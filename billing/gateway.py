"""The one module that talks to the payment provider (Stripe, through the official library).

With `STRIPE_SECRET_KEY` unset, the built-in test provider answers instead — only where it
is allowed (DEBUG, or the loud staging switch; see settings): sessions are local pages
(`/billing/test-checkout/<id>/`) and nothing leaves the machine. With neither, every call
raises `PaymentsNotConfigured` before anything is stored. Everything else in billing calls
these functions and never imports `stripe` itself.

`STRIPE_API_BASE` moves the API (tests point it at a local Stripe-compatible stub).
"""

import json
import math
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.core import signing
from django.urls import reverse

from billing.exceptions import BillingError, GatewayError, PaymentsNotConfigured
from billing.money import percent_of

TEST_SESSION_SALT = "billing.test-checkout"
# What the test provider pretends Stripe charges (UK cards: 1.5% + 20p).
TEST_FEE_PERCENT = Decimal("1.5")
TEST_FEE_FIXED = 20


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class ChargeDetails:
    charge_id: str
    fee: int


def test_mode() -> bool:
    """True when the local test provider is in charge: no Stripe key, and it is allowed here."""
    return not settings.STRIPE_SECRET_KEY and settings.BILLING_TEST_PROVIDER_ALLOWED


def configured() -> bool:
    """True when some provider (Stripe or the allowed test provider) can take a payment."""
    return bool(settings.STRIPE_SECRET_KEY) or test_mode()


def ensure_configured() -> None:
    if not configured():
        raise PaymentsNotConfigured("Payments are not configured on this site yet, so nothing can be bought.")


def _client() -> stripe.StripeClient:
    ensure_configured()
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        raise GatewayError(f"The payment provider refused: {exc.user_message or exc}") from exc


def customer_create(*, email: str, name: str, user_id: int) -> str:
    if test_mode():
        return f"cus_test_{uuid.uuid4().hex[:16]}"
    customer = _call(
        _client().v1.customers.create,
        params={"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
        options={"idempotency_key": f"customer-{user_id}"},
    )
    return customer.id


def checkout_session_create_payment(
    *,
    payment_id: int,
    customer_id: str,
    amount: int,
    currency: str,
    product_name: str,
    success_url: str,
    cancel_url: str,
) -> CheckoutSession:
    """A Checkout Session for one course purchase (price from our records, promo codes on)."""
    metadata = {"payment_id": str(payment_id)}
    if test_mode():
        session_id = "cs_test_" + signing.dumps({"payment": payment_id}, salt=TEST_SESSION_SALT, compress=True)
        return CheckoutSession(id=session_id, url=reverse("billing:test_checkout", args=[session_id]))
    session = _call(
        _client().v1.checkout.sessions.create,
        params={
            "mode": "payment",
            "customer": customer_id,
            "client_reference_id": str(payment_id),
            "allow_promotion_codes": True,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": amount,
                        "product_data": {"name": product_name},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": f"checkout-payment-{payment_id}"},
    )
    return CheckoutSession(id=session.id, url=session.url)


def checkout_session_create_subscription(
    *, user_id: int, plan_id: int, customer_id: str, price_id: str, success_url: str, cancel_url: str
) -> CheckoutSession:
    metadata = {"user_id": str(user_id), "plan_id": str(plan_id)}
    if test_mode():
        token = signing.dumps(
            {"user": user_id, "plan": plan_id, "nonce": uuid.uuid4().hex[:8]}, salt=TEST_SESSION_SALT, compress=True
        )
        session_id = "cs_test_" + token
        return CheckoutSession(id=session_id, url=reverse("billing:test_checkout", args=[session_id]))
    if not price_id:
        raise BillingError("This plan has no Stripe price yet; staff must add one in admin.")
    session = _call(
        _client().v1.checkout.sessions.create,
        params={
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": str(user_id),
            "allow_promotion_codes": True,
            "line_items": [{"price": price_id, "quantity": 1}],
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
    )
    return CheckoutSession(id=session.id, url=session.url)


def test_session_read(session_id: str) -> dict:
    """What a test-provider session id stands for ({"payment": id} or {"user", "plan"})."""
    if not session_id.startswith("cs_test_"):
        raise BillingError("That is not a test checkout session.")
    try:
        return signing.loads(session_id.removeprefix("cs_test_"), salt=TEST_SESSION_SALT)
    except signing.BadSignature as exc:
        raise BillingError("That checkout session does not exist.") from exc


def charge_details(*, payment_intent_id: str, amount: int) -> ChargeDetails:
    """The charge behind a payment and the provider's fee on it."""
    if not payment_intent_id or not amount:
        return ChargeDetails(charge_id="", fee=0)  # nothing was charged (e.g. a 100% promotion code)
    if test_mode():
        fee = percent_of(amount, TEST_FEE_PERCENT) + TEST_FEE_FIXED
        return ChargeDetails(charge_id=f"ch_test_{payment_intent_id}", fee=min(fee, amount))
    intent = _call(
        _client().v1.payment_intents.retrieve,
        payment_intent_id,
        params={"expand": ["latest_charge.balance_transaction"]},
    ).to_dict()
    charge = intent.get("latest_charge")
    if not charge or isinstance(charge, str):
        return ChargeDetails(charge_id=charge or "", fee=0)
    balance = charge.get("balance_transaction")
    fee = int(balance.get("fee", 0)) if balance and not isinstance(balance, str) else 0
    return ChargeDetails(charge_id=charge.get("id", ""), fee=fee)


def refund_create(*, payment_intent_id: str, amount: int, idempotency_key: str, reason: str = "") -> str:
    """Ask the provider to give `amount` back; returns the provider's refund id."""
    if test_mode():
        return f"re_test_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:20]}"
    params = {"payment_intent": payment_intent_id, "amount": amount, "metadata": {"reason": reason[:400]}}
    refund = _call(_client().v1.refunds.create, params=params, options={"idempotency_key": idempotency_key}).to_dict()
    if refund.get("status") in {"failed", "canceled"}:
        raise GatewayError(f"Stripe did not make the refund (status {refund.get('status')}).")
    return refund["id"]


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    """The URL of Stripe's customer portal, where a subscriber manages card and cancellation."""
    if test_mode():
        return reverse("billing:test_portal")
    session = _call(
        _client().v1.billing_portal.sessions.create, params={"customer": customer_id, "return_url": return_url}
    )
    return session.url


# Seconds a webhook signature's timestamp may differ from our clock, either way.
WEBHOOK_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE


def _refuse_future_signature(signature: str) -> None:
    """The library refuses signatures older than the tolerance but not ones dated ahead of
    it, which a stolen secret could pre-sign for replay later; refuse those too. Called
    after verification, so the header holds a valid `t=` (the library reads the first)."""
    timestamp = next(
        int(value) for key, _, value in (part.partition("=") for part in signature.split(",")) if key == "t"
    )
    if timestamp > time.time() + WEBHOOK_TOLERANCE:
        raise BillingError("Rejected webhook: signature timestamp is in the future.")


def _finite(text: str) -> float:
    """A JSON number PostgreSQL's jsonb can store again (no Infinity, no NaN)."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    return number


def event_verify(*, payload: bytes, signature: str) -> dict:
    """The event in a webhook request, if its signature is Stripe's; BillingError otherwise.

    With no STRIPE_WEBHOOK_SECRET nothing is accepted, whatever else is configured.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise BillingError("The webhook is not configured (STRIPE_WEBHOOK_SECRET is unset).")
    try:
        # The signature only (construct_event would also build a stripe.Event, and fails
        # with a TypeError on a signed body that is JSON but not an object).
        stripe.WebhookSignature.verify_header(payload, signature or "", secret, WEBHOOK_TOLERANCE)
        event = json.loads(payload, parse_float=_finite, parse_constant=_finite)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BillingError(f"Rejected webhook: {exc}") from exc
    _refuse_future_signature(signature)
    data = event.get("data") if isinstance(event, dict) else None
    if not (
        isinstance(data, dict)  # so the event is an object too
        and isinstance(data.get("object"), dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
    ):
        raise BillingError("Rejected webhook: not an event.")
    if b"\\u0000" in payload:  # JSON's NUL, which PostgreSQL's jsonb cannot store
        raise BillingError("Rejected webhook: it contains a NUL character.")
    return event
