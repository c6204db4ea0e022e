"""The keyless test payment provider (active while STRIPE_SECRET_KEY is unset).

Its "Pay" and "Decline" buttons build the same events Stripe would send and hand them to
`billing.webhooks.event_process` — the very code the real webhook runs — so `make run`
shows a purchase end to end without keys or network.
"""

import time
import uuid

from django.utils.translation import gettext as _

from billing import gateway
from billing.exceptions import BillingError
from billing.models import Customer, Payment, PayoutAccount, Plan, Subscription
from billing.webhooks import event_process


def _event(event_id: str, type_: str, obj: dict):
    return event_process(
        event={
            "id": event_id,
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def session_target(*, session_id: str, user):
    """(payment, None) or (None, plan) for a test session the user opened; BillingError otherwise."""
    if not gateway.test_mode():
        raise BillingError(_("The test payment provider is off on this site."))
    data = gateway.test_session_read(session_id)
    if "payment" in data:
        payment = Payment.objects.select_related("course").filter(pk=data["payment"], user=user).first()
        if payment is None or payment.checkout_session_id != session_id:
            raise BillingError(_("That checkout session does not exist."))
        return payment, None
    if data.get("user") != user.pk:
        raise BillingError(_("That checkout session does not exist."))
    plan = Plan.objects.filter(pk=data["plan"]).first()
    if plan is None:
        raise BillingError(_("That plan no longer exists."))
    return None, plan


def _customer_id(user) -> str:
    customer = Customer.objects.filter(user=user).first()
    return customer.provider_customer_id if customer else ""


def pay(*, session_id: str, user):
    payment, plan = session_target(session_id=session_id, user=user)
    if payment is not None:
        intent_id = f"pi_test_{payment.pk}"
        # A live lesson is only authorised (manual capture): Stripe reports the session "unpaid".
        held = payment.kind == Payment.Kind.LESSON
        return _event(
            f"evt_test_paid_{payment.pk}",
            "checkout.session.completed",
            {
                "id": session_id,
                "object": "checkout.session",
                "mode": "payment",
                "status": "complete",
                "payment_status": "unpaid" if held else "paid",
                "amount_total": payment.amount,
                "currency": payment.currency.lower(),
                "customer": _customer_id(user),
                "client_reference_id": str(payment.pk),
                "metadata": {"payment_id": str(payment.pk)},
                "payment_intent": intent_id,
            },
        )
    return subscribe(user=user, plan=plan, session_id=session_id)


def decline(*, session_id: str, user):
    payment, _plan = session_target(session_id=session_id, user=user)
    if payment is None:
        return None  # a declined subscription checkout simply creates nothing
    if payment.kind == Payment.Kind.LESSON:
        # Stripe keeps a lesson's checkout open for another card; giving up expires it.
        return _event(
            f"evt_test_expired_{payment.pk}",
            "checkout.session.expired",
            {"id": session_id, "object": "checkout.session", "mode": "payment", "status": "expired"},
        )
    return _event(
        f"evt_test_declined_{payment.pk}_{uuid.uuid4().hex[:8]}",
        "payment_intent.payment_failed",
        {
            "id": f"pi_test_{payment.pk}",
            "object": "payment_intent",
            "amount": payment.amount,
            "currency": payment.currency.lower(),
            "customer": _customer_id(user),
            "metadata": {"payment_id": str(payment.pk)},
            "last_payment_error": {"message": _("Your card was declined (test provider).")},
        },
    )


def _subscription_object(*, subscription_id: str, user, plan: Plan, status: str, period_end: int, cancel: bool):
    return {
        "id": subscription_id,
        "object": "subscription",
        "customer": _customer_id(user),
        "status": status,
        "cancel_at_period_end": cancel,
        "current_period_end": period_end,
        "metadata": {"plan_id": str(plan.pk), "user_id": str(user.pk)},
        "items": {"data": [{"price": {"id": plan.provider_price_id or f"price_test_{plan.pk}"}}]},
    }


def subscribe(*, user, plan: Plan, session_id: str):
    subscription_id = f"sub_test_{uuid.uuid5(uuid.NAMESPACE_URL, session_id).hex[:16]}"
    now = int(time.time())
    period_end = now + (365 if plan.interval == Plan.Interval.YEAR else 30) * 86400
    _event(
        f"evt_test_subcreated_{subscription_id}",
        "customer.subscription.created",
        _subscription_object(
            subscription_id=subscription_id, user=user, plan=plan, status="active", period_end=period_end, cancel=False
        ),
    )
    return _event(
        f"evt_test_invoicepaid_{subscription_id}",
        "invoice.paid",
        {
            "id": f"in_test_{subscription_id}",
            "object": "invoice",
            "customer": _customer_id(user),
            "subscription": subscription_id,
            "amount_paid": plan.amount,
            "currency": plan.currency.lower(),
            "lines": {"data": [{"period": {"start": now, "end": period_end}}]},
        },
    )


def set_cancel_at_period_end(*, user, subscription: Subscription, cancel: bool):
    """What the customer portal's "Cancel plan" (or "Renew") does, as Stripe reports it."""
    if not gateway.test_mode():
        raise BillingError(_("The test payment provider is off on this site."))
    if subscription.user_id != user.pk:
        raise BillingError(_("That is not your subscription."))
    period_end = int(subscription.current_period_end.timestamp()) if subscription.current_period_end else None
    return _event(
        f"evt_test_subupdated_{uuid.uuid4().hex}",
        "customer.subscription.updated",
        _subscription_object(
            subscription_id=subscription.provider_subscription_id,
            user=user,
            plan=subscription.plan,
            status=subscription.status,
            period_end=period_end,
            cancel=cancel,
        ),
    )


def onboarding_complete(*, teacher):
    """The test provider's onboarding: the teacher "submits" their details and the account
    can receive payouts, announced by the `account.updated` event Stripe would send."""
    if not gateway.test_mode():
        raise BillingError(_("The test payment provider is off on this site."))
    account = PayoutAccount.objects.filter(teacher=teacher).first()
    if account is None:
        raise BillingError(_("Start setting up payouts from your earnings page first."))
    return _event(
        f"evt_test_account_{account.provider_account_id}_{uuid.uuid4().hex[:8]}",
        "account.updated",
        {
            "id": account.provider_account_id,
            "object": "account",
            "type": "express",
            "details_submitted": True,
            "payouts_enabled": True,
            "charges_enabled": True,
            "metadata": {"teacher_id": str(teacher.pk)},
        },
    )
