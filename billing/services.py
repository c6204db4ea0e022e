"""Writes of the billing app: checkout, fulfilment, refunds, receipts, subscriptions, disputes.

Access to a course is granted in exactly one place, `payment_fulfil`, called by the
webhook's event handlers (and by the test provider, which feeds the same handlers a
Stripe-shaped event). The success page only waits for it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from billing import gateway, ledger
from billing.exceptions import AlreadyOwned, BillingError, EventRejected
from billing.ledger import Account, Leg
from billing.models import (
    Customer,
    Dispute,
    LedgerTransaction,
    Payment,
    Plan,
    Receipt,
    ReceiptSequence,
    Refund,
    Subscription,
)
from billing.money import format_minor, percent_of, to_minor
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import CoursePage, Enrollment
from lms.formats import when
from lms.infra import events
from lms.models import User
from lms.services import audit_record, notify, notify_staff

logger = logging.getLogger(__name__)


# Evaluated when the text is, in the recipient's language (notify renders inside recipient_language).
_lazy_money = lazy(format_minor, str)
_lazy_when = lazy(when, str)
_lazy_lower = lazy(lambda text: str(text).lower(), str)


# --- Customers --------------------------------------------------------------------------


def customer_ensure(*, user: User) -> Customer:
    """The user's customer record at the provider, created on first purchase."""
    existing = Customer.objects.filter(user=user).first()
    if existing:
        return existing
    provider_id = gateway.customer_create(email=user.email, name=user.name, user_id=user.pk)
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, provider_customer_id=provider_id)
    except IntegrityError:
        return Customer.objects.get(user=user)


# --- Course purchase --------------------------------------------------------------------


def course_owner(course: CoursePage) -> User | None:
    teachers = course.teacher_users()
    return teachers[0] if teachers else None


def checkout_start(*, user: User, course: CoursePage, base_url: str) -> tuple[Payment, str]:
    """Open a checkout for `course`; returns the pending payment and where to send the buyer."""
    if not user.is_authenticated:
        raise BillingError(_("Log in to buy a course."))
    if not course.live:
        raise BillingError(_("This course is not on sale."))
    if course.is_free:
        raise BillingError(_("This course is free: enrol from the course page."))
    if course_selectors.course_access(user=user, course=course):
        raise AlreadyOwned(_("You already have access to this course."))
    gateway.ensure_configured()  # before anything is stored
    amount = to_minor(course.price, course.currency)
    customer = customer_ensure(user=user)
    with transaction.atomic():
        payment = Payment.objects.create(
            user=user,
            kind=Payment.Kind.COURSE,
            course=course,
            teacher=course_owner(course),
            provider=Payment.Provider.TEST if gateway.test_mode() else Payment.Provider.STRIPE,
            amount=amount,
            currency=course.currency.upper(),
        )
    from django.urls import reverse

    try:
        session = gateway.checkout_session_create_payment(
            payment_id=payment.pk,
            customer_id=customer.provider_customer_id,
            amount=amount,
            currency=payment.currency,
            product_name=course.title,
            success_url=base_url + reverse("billing:checkout_success", args=[payment.pk]),
            cancel_url=base_url + reverse("billing:checkout_cancelled", args=[payment.pk]),
        )
    except BillingError:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CANCELLED)
        raise
    Payment.objects.filter(pk=payment.pk).update(checkout_session_id=session.id)
    payment.checkout_session_id = session.id
    return payment, session.url


def _teacher_share(*, amount: int, teacher: User | None) -> int:
    if teacher is None:
        return 0
    return amount - percent_of(amount, settings.PLATFORM_FEE_PERCENT)


def sale_record(*, payment: Payment, teacher_account: str = Account.TEACHER_PAYABLE) -> None:
    """The ledger transactions of a successful payment (idempotent by key): provider_balance +A,
    the teacher's share T to `teacher_account` (a lesson's waits in teacher_pending until it is
    attended, billing.lessons), platform_revenue the rest; and the provider's fee."""
    a, t = payment.amount, payment.teacher_share
    ledger.transaction_record(
        key=f"payment:{payment.pk}",
        kind=LedgerTransaction.Kind.PAYMENT,
        legs=[
            Leg(Account.PROVIDER_BALANCE, a, payment.currency),
            Leg(teacher_account, -t, payment.currency, payment.teacher),
            Leg(Account.PLATFORM_REVENUE, -(a - t), payment.currency),
        ],
        payment=payment,
        course=payment.course,
        teacher=payment.teacher,
        description=payment.description,
        occurred_at=payment.paid_at,
    )
    if payment.fee:
        ledger.transaction_record(
            key=f"payment-fee:{payment.pk}",
            kind=LedgerTransaction.Kind.STRIPE_FEE,
            legs=[
                Leg(Account.PROVIDER_FEES, payment.fee, payment.currency),
                Leg(Account.PROVIDER_BALANCE, -payment.fee, payment.currency),
            ],
            payment=payment,
            course=payment.course,
            teacher=payment.teacher,
            description=format_lazy(gettext_lazy("Processing fee on payment #{number}"), number=payment.pk),
            occurred_at=payment.paid_at,
        )


@transaction.atomic
def payment_fulfil(
    *,
    payment_id: int,
    amount: int,
    currency: str,
    customer_id: str,
    discount: int = 0,
    payment_intent_id: str = "",
    charge_id: str = "",
    fee: int | None = None,
) -> Payment:
    """The provider confirmed a course payment: record it, open the course, issue the receipt.

    `amount` is what was charged and `discount` what a promotion code took off; together
    they must make the price the checkout was opened with, in its currency, by its buyer.
    Safe to call any number of times, from any number of connections: the payment row is
    locked and a payment already succeeded is returned untouched.
    """
    payment = (
        Payment.objects.select_for_update(of=("self",)).select_related("course", "user").filter(pk=payment_id).first()
    )
    if payment is None or payment.kind != Payment.Kind.COURSE:
        raise EventRejected(f"No course payment #{payment_id} here.")
    if payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.CANCELLED):
        return payment  # already paid (and perhaps refunded since): nothing more to do
    customer = Customer.objects.filter(user_id=payment.user_id).first()
    if customer is None or customer.provider_customer_id != customer_id:
        raise EventRejected(f"Customer {customer_id!r} is not the buyer of payment #{payment.pk}.")
    if amount < 0 or discount < 0 or amount + discount != payment.amount or currency.upper() != payment.currency:
        raise EventRejected(
            f"Payment #{payment.pk}: paid {amount} (+{discount} discount) {currency.upper()}, "
            f"expected {payment.amount} {payment.currency}."
        )
    course = payment.course
    if fee is None:
        details = gateway.charge_details(payment_intent_id=payment_intent_id, amount=amount)
        fee, charge_id = details.fee, charge_id or details.charge_id
    payment.status = Payment.Status.SUCCEEDED
    payment.amount, payment.discount = amount, discount
    payment.payment_intent_id = payment_intent_id or None
    payment.charge_id = charge_id or ""
    payment.fee = fee
    payment.teacher_share = _teacher_share(amount=amount, teacher=payment.teacher)
    payment.failure_message = ""
    payment.paid_at = timezone.now()
    payment.save()
    sale_record(payment=payment)
    course_services.enrollment_create(
        student=payment.user, course=course, source=Enrollment.Source.PURCHASE, reference=f"payment:{payment.pk}"
    )
    receipt_issue(payment=payment)
    return payment


@transaction.atomic
def payment_fail(*, payment_id: int, message: str = "") -> Payment | None:
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise EventRejected(f"No payment #{payment_id} here.")
    if payment.status == Payment.Status.PENDING:
        payment.status = Payment.Status.FAILED
        payment.failure_message = (message or "The payment was declined.")[:300]
        payment.save(update_fields=["status", "failure_message"])
    return payment


@transaction.atomic
def payment_cancel(*, payment_id: int) -> Payment | None:
    """The checkout expired unpaid: the pending payment is closed (a paid one is untouched)."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is not None and payment.status in (Payment.Status.PENDING, Payment.Status.FAILED):
        payment.status = Payment.Status.CANCELLED
        payment.save(update_fields=["status"])
    return payment


# --- Receipts ---------------------------------------------------------------------------


def receipt_issue(*, payment: Payment) -> Receipt:
    """The receipt of a successful payment: the next number in the sequence, emailed after commit."""
    existing = Receipt.objects.filter(payment=payment).first()
    if existing:
        return existing
    with transaction.atomic():
        ReceiptSequence.objects.get_or_create(name="receipts")
        sequence = ReceiptSequence.objects.select_for_update().get(name="receipts")
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        receipt = Receipt.objects.create(payment=payment, number=sequence.last_number)
    transaction.on_commit(
        lambda: async_task("billing.tasks.receipt_email_send", receipt.pk, task_name=f"receipt-email-{receipt.pk}")
    )
    # Every successful payment gets its receipt here, once: the one place to say it was paid.
    events.publish(
        "payment.succeeded",
        {
            "payment": payment.pk,
            "kind": payment.kind,
            "user": payment.user_id,
            "amount": payment.amount,
            "currency": payment.currency,
            "receipt": receipt.number,
        },
    )
    return receipt


# --- Refunds ----------------------------------------------------------------------------


def payment_refund(*, payment: Payment, amount: int, actor: User, reason: str = "") -> Refund:
    """Staff give back `amount` (minor units) of a payment: Stripe first, then our records.

    The payment row stays locked while Stripe is asked, so two staff members cannot refund
    the same money twice; the idempotency key makes a retried request harmless.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status not in Payment.REFUNDABLE:
            raise BillingError(_("Only a paid payment can be refunded."))
        if amount <= 0:
            raise BillingError(_("Refund a positive amount."))
        if amount > payment.refundable_amount:
            raise BillingError(
                _("At most {amount} can still be refunded.").format(
                    amount=format_minor(payment.refundable_amount, payment.currency)
                )
            )
        provider_refund_id = gateway.refund_create(
            payment_intent_id=payment.payment_intent_id or "",
            amount=amount,
            idempotency_key=f"refund-{payment.pk}-{payment.amount_refunded}-{amount}",
            reason=reason,
        )
        refund = refund_record(
            payment=payment, provider_refund_id=provider_refund_id, amount=amount, reason=reason, actor=actor
        )
        audit_record(
            actor=actor,
            action="billing.refund",
            target=payment,
            changes={"amount_refunded": (payment.amount_refunded - amount, payment.amount_refunded)},
            message=f"Refunded {format_minor(amount, payment.currency)}: {reason}",
        )
        return refund


@transaction.atomic
def refund_record(
    *,
    payment: Payment,
    provider_refund_id: str,
    amount: int,
    reason: str = "",
    actor: User | None = None,
    key: str | None = None,
) -> Refund:
    """Record a refund the provider made (ours or from its dashboard), once per refund id.
    `key`: the cause's idempotency key (billing.lessons), kept on the refund however it arrived."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("user", "course").get(pk=payment.pk)
    existing = Refund.objects.filter(provider_refund_id=provider_refund_id).first()
    if existing:
        if key and existing.key != key:  # the provider's charge.refunded event got here first
            existing.key = key
            existing.save(update_fields=["key"])
        return existing
    if amount <= 0 or amount > payment.amount - payment.amount_refunded:
        raise EventRejected(f"Refund of {amount} does not fit payment #{payment.pk}.")
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        currency=payment.currency,
        provider_refund_id=provider_refund_id,
        key=key,
        reason=reason,
        created_by=actor,
    )
    payment.amount_refunded += amount
    full = payment.amount_refunded >= payment.amount
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    payment.save(update_fields=["amount_refunded", "status"])
    _record_reversal(payment=payment, amount=amount, key=f"refund:{refund.pk}", kind=LedgerTransaction.Kind.REFUND)
    if full:
        _access_end_for_payment(payment=payment, reason="Payment refunded", actor=actor)
    events.publish(
        "payment.refunded",
        {
            "payment": payment.pk,
            "refund": refund.pk,
            "amount": refund.amount,
            "currency": refund.currency,
            "fully_refunded": full,
        },
    )
    notify(
        user=payment.user,
        kind="billing",
        title=format_lazy(
            gettext_lazy("Refund of {amount} for {description}"),
            amount=_lazy_money(refund.amount, refund.currency),
            description=payment.description,
        ),
        body=(
            gettext_lazy(
                "The money is on its way back to your card; banks usually take 5–10 days."
                " Your access to the course has ended."
            )
            if full and payment.course_id
            else gettext_lazy("The money is on its way back to your card; banks usually take 5–10 days.")
        ),
        url="/billing/history/",
    )
    return refund


def _record_reversal(*, payment: Payment, amount: int, key: str, kind: str) -> None:
    teacher_part, platform_part = ledger.split(amount, payment.teacher_share, payment.amount)
    # Lesson earnings wait in teacher_pending until the lesson is attended (billing.lessons).
    lesson = payment.kind in (Payment.Kind.LESSON, Payment.Kind.PACKAGE, Payment.Kind.TRIAL)
    ledger.transaction_record(
        key=key,
        kind=kind,
        legs=[
            Leg(Account.PROVIDER_BALANCE, -amount, payment.currency),
            Leg(
                Account.TEACHER_PENDING if lesson else Account.TEACHER_PAYABLE,
                teacher_part,
                payment.currency,
                payment.teacher,
            ),
            Leg(Account.PLATFORM_REVENUE, platform_part, payment.currency),
        ],
        payment=payment,
        course=payment.course,
        teacher=payment.teacher,
        description=format_lazy(
            gettext_lazy("{kind} on payment #{number}"), kind=LedgerTransaction.Kind(kind).label, number=payment.pk
        ),
    )


def _access_end_for_payment(*, payment: Payment, reason: str, actor: User | None = None) -> None:
    """End the enrollment this purchase gave (not one from a subscription or staff)."""
    if payment.kind != Payment.Kind.COURSE or payment.course_id is None:
        return
    for enrollment in Enrollment.objects.filter(
        student=payment.user,
        course=payment.course,
        status=Enrollment.Status.ACTIVE,
        source=Enrollment.Source.PURCHASE,
        reference=f"payment:{payment.pk}",
    ):
        course_services.enrollment_end(enrollment=enrollment, reason=reason, actor=actor)


# --- Disputes ---------------------------------------------------------------------------


def dispute_open(
    *, user: User, message: str, payment: Payment | None = None, live_class_reference: str = ""
) -> Dispute:
    """A student raises a problem with one of their payments (or a live class)."""
    message = (message or "").strip()
    if len(message) < 10:
        raise BillingError(_("Tell us what went wrong in a sentence or two."))
    if payment is None and not live_class_reference:
        raise BillingError(_("Choose the payment or the live class this is about."))
    if payment is not None and payment.user_id != user.pk:
        raise BillingError(_("You can only dispute your own payments."))
    if (
        payment is not None
        and payment.disputes.filter(source=Dispute.Source.STUDENT).exclude(status__in=Dispute.CLOSED).exists()
    ):
        raise BillingError(_("You already have an open dispute about this payment."))
    dispute = Dispute.objects.create(
        user=user,
        source=Dispute.Source.STUDENT,
        subject=Dispute.Subject.PAYMENT if payment else Dispute.Subject.LIVE_CLASS,
        payment=payment,
        live_class_reference=live_class_reference[:100],
        amount=payment.amount if payment else 0,
        currency=payment.currency if payment else "",
        message=message[:5000],
    )
    notify_staff(
        kind="billing",
        title=format_lazy(gettext_lazy("New dispute from {name}"), name=user.name),
        body=message[:200],
        about=dispute,
    )
    return dispute


@transaction.atomic
def dispute_outcome_notify(*, dispute: Dispute) -> bool:
    """Tell the student how their dispute ended, once."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not dispute.is_closed or dispute.outcome_notified_at:
        return False
    if dispute.closed_at is None:
        dispute.closed_at = timezone.now()
    dispute.outcome_notified_at = timezone.now()
    dispute.save(update_fields=["closed_at", "outcome_notified_at"])
    status = _lazy_lower(Dispute.Status(dispute.status).label)
    if dispute.payment_id:
        title = format_lazy(
            gettext_lazy("Your dispute about {description}: {status}"),
            description=dispute.payment.description,
            status=status,
        )
    else:
        title = format_lazy(gettext_lazy("Your dispute about your live class: {status}"), status=status)
    notify(
        user=dispute.user,
        kind="billing",
        title=title,
        body=dispute.resolution or format_lazy(gettext_lazy("The dispute is now {status}."), status=status),
        url="/billing/history/",
    )
    return True


@transaction.atomic
def dispute_provider_sync(*, payment: Payment, data: dict) -> Dispute:
    """Create or update the record of a Stripe dispute; a lost one reverses the sale."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("user", "course").get(pk=payment.pk)
    stripe_status = data.get("status", "")
    status = {
        "won": Dispute.Status.WON,
        "lost": Dispute.Status.LOST,
        "under_review": Dispute.Status.UNDER_REVIEW,
        "warning_under_review": Dispute.Status.UNDER_REVIEW,
        "warning_closed": Dispute.Status.RESOLVED,
    }.get(stripe_status, Dispute.Status.OPEN)
    dispute, created = Dispute.objects.select_for_update().get_or_create(
        provider_dispute_id=data["id"],
        defaults={
            "user": payment.user,
            "source": Dispute.Source.PROVIDER,
            "payment": payment,
            "amount": int(data.get("amount") or 0),
            "currency": (data.get("currency") or payment.currency).upper(),
            "reason": (data.get("reason") or "")[:100],
            "status": status,
        },
    )
    if not created and dispute.status != status and not dispute.is_closed:
        dispute.status = status
        dispute.save(update_fields=["status", "updated_at"])
    if dispute.is_closed and dispute.closed_at is None:
        dispute.closed_at = timezone.now()
        dispute.save(update_fields=["closed_at"])
    if dispute.status == Dispute.Status.LOST:
        amount = min(dispute.amount or payment.amount, payment.amount - payment.amount_refunded)
        if amount > 0 and not LedgerTransaction.objects.filter(key=f"dispute-lost:{dispute.pk}").exists():
            _record_reversal(
                payment=payment,
                amount=amount,
                key=f"dispute-lost:{dispute.pk}",
                kind=LedgerTransaction.Kind.DISPUTE_LOST,
            )
            payment.amount_refunded += amount
            payment.status = Payment.Status.REFUNDED
            payment.save(update_fields=["amount_refunded", "status"])
        _access_end_for_payment(payment=payment, reason="Card dispute lost")
    if created:
        notify(
            user=payment.user,
            kind="billing",
            title=format_lazy(
                gettext_lazy("Your bank opened a dispute about {description}"), description=payment.description
            ),
            body=gettext_lazy(
                "We have been told you disputed this payment with your bank. We will let you know the outcome."
            ),
            url="/billing/history/",
        )
    if dispute.is_closed:
        dispute_outcome_notify(dispute=dispute)
    return dispute


# --- Subscriptions ----------------------------------------------------------------------


def subscription_checkout_start(*, user: User, plan: Plan, base_url: str) -> str:
    from django.urls import reverse

    if not plan.is_active:
        raise BillingError(_("This plan is no longer offered."))
    if Subscription.objects.filter(user=user, plan=plan, has_access=True).exists():
        raise AlreadyOwned(_("You already subscribe to this plan."))
    gateway.ensure_configured()  # before anything is stored
    customer = customer_ensure(user=user)
    session = gateway.checkout_session_create_subscription(
        user_id=user.pk,
        plan_id=plan.pk,
        customer_id=customer.provider_customer_id,
        price_id=plan.provider_price_id,
        success_url=base_url + reverse("billing:subscription_success"),
        cancel_url=base_url + reverse("billing:plans"),
    )
    return session.url


def _user_for_customer(customer_id: str) -> User:
    customer = Customer.objects.select_related("user").filter(provider_customer_id=customer_id or "").first()
    if customer is None:
        raise EventRejected(f"Unknown customer {customer_id!r}.")
    return customer.user


def _plan_for(data: dict) -> Plan:
    metadata = data.get("metadata") or {}
    items = ((data.get("items") or {}).get("data")) or []
    price_id = ((items[0].get("price") or {}).get("id")) if items else None
    plan = None
    if price_id:
        plan = Plan.objects.filter(provider_price_id=price_id).exclude(provider_price_id="").first()
    if plan is None and metadata.get("plan_id"):
        plan = Plan.objects.filter(pk=int(metadata["plan_id"])).first()
    if plan is None:
        raise EventRejected(f"Subscription {data.get('id')} is for no plan we sell.")
    return plan


def _timestamp(value):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _period_end(data: dict):
    if data.get("current_period_end"):
        return _timestamp(data["current_period_end"])
    items = ((data.get("items") or {}).get("data")) or []
    return _timestamp(items[0].get("current_period_end")) if items else None


@transaction.atomic
def subscription_sync(*, data: dict) -> Subscription:
    """Mirror the provider's subscription object, then open or close its courses."""
    user = _user_for_customer(data.get("customer"))
    plan = _plan_for(data)
    subscription, _ = Subscription.objects.get_or_create(
        provider_subscription_id=data["id"], defaults={"user": user, "plan": plan}
    )
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.user_id != user.pk:
        raise EventRejected(f"Subscription {data['id']} belongs to another customer.")
    previous = subscription.status
    status = data.get("status") or Subscription.Status.INCOMPLETE
    if status not in Subscription.Status.values:
        status = Subscription.Status.INCOMPLETE if status == "incomplete_expired" else Subscription.Status.UNPAID
    subscription.plan = plan
    subscription.status = status
    subscription.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
    subscription.current_period_end = _period_end(data) or subscription.current_period_end
    if status == Subscription.Status.PAST_DUE and previous != Subscription.Status.PAST_DUE:
        subscription.grace_until = subscription.grace_until or _grace_end()
    elif status in (Subscription.Status.ACTIVE, Subscription.Status.TRIALING):
        subscription.grace_until = None
    subscription.save()
    return subscription_access_sync(subscription=subscription)


def _grace_end():
    return timezone.now() + timedelta(days=settings.BILLING_GRACE_DAYS)


def subscription_has_access(subscription: Subscription, now=None) -> bool:
    now = now or timezone.now()
    status = subscription.status
    if status in (Subscription.Status.ACTIVE, Subscription.Status.TRIALING):
        # Cancelled at period end: open until that end (the provider's "deleted" event closes it).
        return not (
            subscription.cancel_at_period_end
            and subscription.current_period_end
            and subscription.current_period_end <= now
        )
    if status == Subscription.Status.PAST_DUE:
        return bool(subscription.grace_until and subscription.grace_until > now)
    return False


@transaction.atomic
def subscription_access_sync(*, subscription: Subscription) -> Subscription:
    """Enrollments (source SUBSCRIPTION) follow the subscription: created while it gives
    access, ended when access lapses. Purchased or staff enrollments are never touched."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",)).select_related("user", "plan").get(pk=subscription.pk)
    )
    access = subscription_has_access(subscription)
    reference = f"subscription:{subscription.pk}"
    included = list(subscription.plan.courses.all()) if access else []
    for course in included:
        course_services.enrollment_create(
            student=subscription.user, course=course, source=Enrollment.Source.SUBSCRIPTION, reference=reference
        )
    # Access over, or a course taken out of the plan: its subscription enrollments end.
    for enrollment in Enrollment.objects.filter(
        student=subscription.user,
        status=Enrollment.Status.ACTIVE,
        source=Enrollment.Source.SUBSCRIPTION,
        reference=reference,
    ).exclude(course__in=[c.pk for c in included]):
        course_services.enrollment_end(enrollment=enrollment, reason="Subscription ended")
    if access != subscription.has_access:
        subscription.has_access = access
        subscription.save(update_fields=["has_access", "updated_at"])
        if not access:
            notify(
                user=subscription.user,
                kind="billing",
                title=format_lazy(gettext_lazy("Your {plan} subscription has ended"), plan=subscription.plan.name),
                body=gettext_lazy("The courses it included are closed. You can subscribe again at any time."),
                url="/billing/plans/",
            )
    return subscription


def subscription_find(provider_subscription_id: str) -> Subscription | None:
    return Subscription.objects.filter(provider_subscription_id=provider_subscription_id or "").first()


@transaction.atomic
def invoice_paid(*, subscription: Subscription, invoice: dict) -> Payment:
    """A subscription invoice was paid: record the payment (platform revenue), renew access."""
    user = _user_for_customer(invoice.get("customer"))
    if user.pk != subscription.user_id:
        raise EventRejected(f"Invoice {invoice['id']} belongs to another customer.")
    currency = (invoice.get("currency") or "").upper()
    if currency != subscription.plan.currency.upper():
        raise EventRejected(f"Invoice {invoice['id']} is in {currency}, the plan in {subscription.plan.currency}.")
    amount = int(invoice.get("amount_paid") or 0)
    payment = Payment.objects.select_for_update().filter(invoice_id=invoice["id"]).first()
    if payment is None:
        payment_intent_id = invoice.get("payment_intent") if isinstance(invoice.get("payment_intent"), str) else ""
        details = gateway.charge_details(payment_intent_id=payment_intent_id or "", amount=amount)
        payment = Payment.objects.create(
            user=user,
            kind=Payment.Kind.SUBSCRIPTION,
            subscription=subscription,
            provider=Payment.Provider.TEST if gateway.test_mode() else Payment.Provider.STRIPE,
            status=Payment.Status.SUCCEEDED,
            amount=amount,
            currency=currency,
            fee=details.fee,
            invoice_id=invoice["id"],
            payment_intent_id=payment_intent_id or None,
            charge_id=(invoice.get("charge") if isinstance(invoice.get("charge"), str) else "") or details.charge_id,
            paid_at=timezone.now(),
        )
        if amount:
            sale_record(payment=payment)
            receipt_issue(payment=payment)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    lines = ((invoice.get("lines") or {}).get("data")) or []
    period_end = _timestamp((lines[0].get("period") or {}).get("end")) if lines else None
    if period_end and (subscription.current_period_end is None or period_end > subscription.current_period_end):
        subscription.current_period_end = period_end
    if subscription.status in (
        Subscription.Status.PAST_DUE,
        Subscription.Status.INCOMPLETE,
        Subscription.Status.UNPAID,
    ):
        subscription.status = Subscription.Status.ACTIVE
    subscription.grace_until = None
    subscription.save()
    subscription_access_sync(subscription=subscription)
    return payment


@transaction.atomic
def invoice_payment_failed(*, subscription: Subscription, invoice: dict) -> Subscription:
    """A renewal failed: the subscriber keeps access for the grace period and is told."""
    user = _user_for_customer(invoice.get("customer"))
    if user.pk != subscription.user_id:
        raise EventRejected(f"Invoice {invoice['id']} belongs to another customer.")
    subscription = Subscription.objects.select_for_update(of=("self",)).select_related("plan").get(pk=subscription.pk)
    if subscription.status in (Subscription.Status.CANCELED,):
        return subscription
    first_failure = subscription.grace_until is None
    subscription.status = Subscription.Status.PAST_DUE
    subscription.grace_until = subscription.grace_until or _grace_end()
    subscription.save()
    if first_failure:
        notify(
            user=subscription.user,
            kind="billing",
            title=format_lazy(gettext_lazy("We could not renew your {plan} subscription"), plan=subscription.plan.name),
            body=format_lazy(
                gettext_lazy("Update your card by {date} to keep your courses open."),
                date=_lazy_when(subscription.grace_until, "long_date"),
            ),
            url="/billing/history/",
        )
    return subscription_access_sync(subscription=subscription)


def subscriptions_expire(now=None) -> int:
    """End access whose grace period or cancelled period is over (run every few minutes)."""
    now = now or timezone.now()
    count = 0
    for subscription in Subscription.objects.filter(has_access=True):
        if not subscription_has_access(subscription, now=now):
            subscription_access_sync(subscription=subscription)
            count += 1
    return count
