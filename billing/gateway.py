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
from django.utils.translation import gettext as _

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
        raise PaymentsNotConfigured(_("Payments are not configured on this site yet, so nothing can be bought."))


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
        raise GatewayError(_("The payment provider refused: {reason}").format(reason=exc.user_message or exc)) from exc


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
    return _one_payment_session(
        payment_id=payment_id,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        product_name=product_name,
        success_url=success_url,
        cancel_url=cancel_url,
        extra={"allow_promotion_codes": True},
    )


def checkout_session_create_lesson(
    *,
    payment_id: int,
    customer_id: str,
    amount: int,
    currency: str,
    product_name: str,
    success_url: str,
    cancel_url: str,
    capture_later: bool,
) -> CheckoutSession:
    """A Checkout Session for a live lesson (`capture_later`: only authorised, captured when
    the teacher confirms) or lesson credits (captured at once). No promotion codes; it
    expires after 30 minutes so an abandoned checkout frees the slot."""
    return _one_payment_session(
        payment_id=payment_id,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        product_name=product_name,
        success_url=success_url,
        cancel_url=cancel_url,
        intent={"capture_method": "manual"} if capture_later else {},
        extra={"expires_at": int(time.time()) + 30 * 60},
    )


def _one_payment_session(
    *,
    payment_id: int,
    customer_id: str,
    amount: int,
    currency: str,
    product_name: str,
    success_url: str,
    cancel_url: str,
    intent: dict | None = None,
    extra: dict | None = None,
) -> CheckoutSession:
    """A Checkout Session paying one Payment of ours: its id in the metadata of the session and
    of its PaymentIntent, one idempotency key per payment (a retry gets the same session)."""
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
            "payment_intent_data": {"metadata": metadata, **(intent or {})},
            "success_url": success_url,
            "cancel_url": cancel_url,
            **(extra or {}),
        },
        options={"idempotency_key": f"checkout-payment-{payment_id}"},
    )
    return CheckoutSession(id=session.id, url=session.url)


def payment_intent_capture(*, payment_intent_id: str, amount: int, idempotency_key: str) -> ChargeDetails:
    """Take the money an authorisation holds; returns the charge and the provider's fee."""
    if test_mode():
        return charge_details(payment_intent_id=payment_intent_id, amount=amount)
    intent = _call(
        _client().v1.payment_intents.capture,
        payment_intent_id,
        params={"expand": ["latest_charge.balance_transaction"]},
        options={"idempotency_key": idempotency_key},
    ).to_dict()
    if intent.get("status") != "succeeded":
        raise GatewayError(_("Stripe did not take the payment (status {status}).").format(status=intent.get("status")))
    charge = intent.get("latest_charge")
    if not charge or isinstance(charge, str):
        return ChargeDetails(charge_id=charge or "", fee=0)
    balance = charge.get("balance_transaction")
    fee = int(balance.get("fee", 0)) if balance and not isinstance(balance, str) else 0
    return ChargeDetails(charge_id=charge.get("id", ""), fee=fee)


def payment_intent_cancel(*, payment_intent_id: str, idempotency_key: str) -> None:
    """Release an authorisation: nothing is charged and the hold on the card goes."""
    if test_mode() or not payment_intent_id:
        return
    try:
        intent = (
            _client()
            .v1.payment_intents.cancel(payment_intent_id, options={"idempotency_key": idempotency_key})
            .to_dict()
        )
    except stripe.InvalidRequestError as exc:
        # Already cancelled (by Stripe after seven days, or an earlier call): the hold is gone.
        if "canceled" in str(exc).lower() or "cancelled" in str(exc).lower():
            return
        raise GatewayError(_("The payment provider refused: {reason}").format(reason=exc.user_message or exc)) from exc
    except stripe.StripeError as exc:
        raise GatewayError(_("The payment provider refused: {reason}").format(reason=exc.user_message or exc)) from exc
    if intent.get("status") != "canceled":
        raise GatewayError(
            _("Stripe did not release the payment (status {status}).").format(status=intent.get("status"))
        )


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
        raise BillingError(_("This plan has no Stripe price yet; staff must add one in admin."))
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
        raise BillingError(_("That is not a test checkout session."))
    try:
        return signing.loads(session_id.removeprefix("cs_test_"), salt=TEST_SESSION_SALT)
    except signing.BadSignature as exc:
        raise BillingError(_("That checkout session does not exist.")) from exc


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
        raise GatewayError(_("Stripe did not make the refund (status {status}).").format(status=refund.get("status")))
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


def event_verify(*, payload: bytes, signature: str, connect: bool = False) -> dict:
    """The event in a webhook request, if its signature is Stripe's; BillingError otherwise.

    `connect`: an event from a connected account, signed with the Connect endpoint's secret.
    With no secret for the endpoint nothing is accepted, whatever else is configured.
    """
    name = "STRIPE_CONNECT_WEBHOOK_SECRET" if connect else "STRIPE_WEBHOOK_SECRET"
    secret = getattr(settings, name)
    if not secret:
        raise BillingError(f"The webhook is not configured ({name} is unset).")
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


# --- Stripe Connect: teachers' accounts and transfers to them ---------------------------


@dataclass(frozen=True)
class AccountStatus:
    details_submitted: bool
    payouts_enabled: bool


def connect_account_create(*, teacher_id: int, email: str, country: str = "") -> str:
    """A Stripe Connect Express account for a teacher (once per teacher); its id."""
    if test_mode():
        return f"acct_test_{uuid.uuid5(uuid.NAMESPACE_URL, f'teacher-{teacher_id}').hex[:16]}"
    params = {
        "type": "express",
        "email": email,
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"teacher_id": str(teacher_id)},
    }
    if country:
        params["country"] = country
    account = _call(
        _client().v1.accounts.create, params=params, options={"idempotency_key": f"connect-account-{teacher_id}"}
    )
    return account.id


def connect_onboarding_link(*, account_id: str, return_url: str, refresh_url: str) -> str:
    """Where the teacher fills in their details (Stripe's hosted onboarding; expires in minutes)."""
    if test_mode():
        return reverse("billing:test_onboarding")
    link = _call(
        _client().v1.account_links.create,
        params={
            "account": account_id,
            "type": "account_onboarding",
            "return_url": return_url,
            "refresh_url": refresh_url,
        },
    )
    return link.url


def connect_account_status(*, account_id: str) -> AccountStatus | None:
    """What the provider says of the account now; None from the test provider (its events say it)."""
    if test_mode():
        return None
    account = _call(_client().v1.accounts.retrieve, account_id).to_dict()
    return AccountStatus(
        details_submitted=bool(account.get("details_submitted")), payouts_enabled=bool(account.get("payouts_enabled"))
    )


class TransferRefused(GatewayError):
    """The provider answered and said no (a retry with the same request cannot succeed)."""


def transfer_create(
    *, account_id: str, amount: int, currency: str, idempotency_key: str, payout_id: int, description: str = ""
) -> str:
    """Move `amount` from the platform's balance to a connected account; the transfer's id.

    The idempotency key makes a retry after a timeout return the first transfer, not a
    second one. TransferRefused when Stripe refuses; GatewayError when the outcome is unknown."""
    if test_mode():
        return f"tr_test_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:20]}"
    try:
        transfer = _client().v1.transfers.create(
            params={
                "amount": amount,
                "currency": currency.lower(),
                "destination": account_id,
                "description": description[:300],
                "metadata": {"payout_id": str(payout_id)},
                "transfer_group": f"payout-{payout_id}",
            },
            options={"idempotency_key": idempotency_key},
        )
    except (stripe.InvalidRequestError, stripe.PermissionError, stripe.CardError) as exc:
        raise TransferRefused(
            _("The payment provider refused: {reason}").format(reason=exc.user_message or exc)
        ) from exc
    except stripe.StripeError as exc:
        raise GatewayError(_("The payment provider did not answer: {reason}").format(reason=exc)) from exc
    return transfer.id
