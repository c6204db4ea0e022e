"""Paid live lessons: authorise at request, capture on confirm, release on decline or
expiry; packages and trial lessons as credits; the cancellation policy and its refunds;
the teacher's earnings, pending until the lesson is attended, then payable. A place in a paid
group class is a lesson payment of its own, captured as soon as it is authorised (the class is
confirmed already) and refunded place by place.

The live app calls these at each step of a booking (live.services); the webhook and the
test provider call them when the provider reports a checkout. Money is in integer minor
units; every provider call carries an idempotency key, every refund a key per class, student and
reason, every ledger transaction a key per cause, so a retry or a double click does it once.

Ledger, for a lesson of A with commission P and teacher share T = A − P:
    capture        provider_balance +A, teacher_pending −T, platform_revenue −P
    attended       teacher_pending +T, teacher_payable −T      (payouts pay teacher_payable)
    refund of R    provider_balance −R, teacher_pending +T·R/A, platform_revenue +the rest
A package or trial is captured at purchase the same way; each attended lesson moves its
part of T (T / lessons, the last one the remainder) from pending to payable.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from billing import gateway, ledger
from billing.exceptions import BillingError, EventParked, EventRejected
from billing.ledger import Account, Leg
from billing.models import (
    CreditUse,
    Customer,
    Dispute,
    LedgerEntry,
    LedgerTransaction,
    LessonCredit,
    LessonSettings,
    Payment,
    Refund,
)
from billing.money import format_minor, percent_of
from billing.services import customer_ensure, receipt_issue, refund_record, sale_record
from live import selectors as live_selectors
from live.models import Dispute as ScheduleDispute
from live.models import LiveClass, Participant
from lms.formats import when
from lms.models import User
from lms.services import notify
from tutors.models import LESSON_LENGTHS, Package, Tutor

LESSON_KINDS = (Payment.Kind.LESSON, Payment.Kind.PACKAGE, Payment.Kind.TRIAL)


class Reason:
    """Why a refund was given; part of its idempotency key (one refund per class and reason)."""

    STUDENT_EARLY = "student-early"
    STUDENT_LATE = "student-late"
    TEACHER = "teacher"
    TEACHER_NO_SHOW = "teacher-no-show"
    STAFF = "staff"


def _when_for(live_class: LiveClass, user) -> str:
    zone = live_selectors.user_zone(user)
    with timezone.override(zone):
        return f"{when(live_class.start, 'day_year_time')} ({zone.key})"


_when_lazy = lazy(_when_for, str)
_money_lazy = lazy(format_minor, str)


# --- What a teacher charges and the policy ----------------------------------------------


def policy() -> LessonSettings:
    return LessonSettings.get_solo()


def tutor_of(teacher: User) -> Tutor | None:
    try:
        return teacher.tutor
    except Tutor.DoesNotExist:
        return None


def priced_lengths(teacher: User) -> list[tuple[int, int]]:
    """(minutes, price) for each lesson length the teacher prices; empty = free lessons."""
    tutor = tutor_of(teacher)
    if tutor is None:
        return []
    return [(minutes, tutor.rate_for(minutes)) for minutes in LESSON_LENGTHS if tutor.rate_for(minutes) is not None]


def seat_currency_for(*, teacher: User, course) -> str:
    """A group class's places are priced in the teacher's lesson currency, else the course's."""
    tutor = tutor_of(teacher)
    if tutor is not None:
        return tutor.currency.upper()
    return (getattr(course.specific, "currency", "") or "GBP").upper()


def lesson_price(*, teacher: User, minutes: int) -> int | None:
    return dict(priced_lengths(teacher)).get(minutes)


def commission_for(teacher: User) -> Decimal:
    tutor = tutor_of(teacher)
    if tutor is not None and tutor.commission_percent is not None:
        return tutor.commission_percent
    return policy().commission


def teacher_share(*, amount: int, teacher: User) -> int:
    return amount - percent_of(amount, commission_for(teacher))


def refund_percent(*, live_class: LiveClass, actor: User, now: datetime) -> tuple[int, str]:
    """How much of a captured lesson goes back when `actor` cancels it now, and why."""
    if actor.pk == live_class.teacher_id:
        return 100, Reason.TEACHER
    if actor.is_platform_staff:
        return 100, Reason.STAFF
    settings = policy()
    if live_class.start - now >= timedelta(hours=settings.free_cancel_hours):
        return 100, Reason.STUDENT_EARLY
    if now < live_class.start:
        return settings.late_refund_percent, Reason.STUDENT_LATE
    return 0, Reason.STUDENT_LATE


# --- Credits (packages and trial lessons) -----------------------------------------------


def credits_for(*, student: User, teacher: User, minutes: int | None = None):
    credits = LessonCredit.objects.filter(student=student, teacher=teacher, remaining__gt=0)
    if minutes is not None:
        credits = credits.filter(minutes=minutes)
    return credits.order_by("-is_trial", "created_at", "id")


def has_trial(*, student: User, teacher: User) -> bool:
    return LessonCredit.objects.filter(student=student, teacher=teacher, is_trial=True).exists()


def credit_consume(*, student: User, teacher: User, minutes: int, live_class: LiveClass) -> CreditUse:
    """Spend one credit on `live_class`, atomically: a conditional UPDATE takes it only while
    one is left, so two requests racing for the last credit cannot both have it."""
    for credit_id in credits_for(student=student, teacher=teacher, minutes=minutes).values_list("id", flat=True):
        taken = LessonCredit.objects.filter(pk=credit_id, remaining__gt=0).update(remaining=F("remaining") - 1)
        if taken:
            return CreditUse.objects.create(credit_id=credit_id, live_class=live_class)
    raise BillingError(_("You have no lesson credit left with this teacher."))


def credit_return(*, live_class: LiveClass) -> bool:
    """A cancellation within the policy gives the credit back (once)."""
    use = CreditUse.objects.select_for_update().filter(live_class=live_class, returned_at=None).first()
    if use is None or use.earned_at:
        return False
    use.returned_at = timezone.now()
    use.save(update_fields=["returned_at"])
    LessonCredit.objects.filter(pk=use.credit_id).update(remaining=F("remaining") + 1)
    return True


def credits_checkout_start(
    *, student: User, teacher: User, base_url: str, package: Package | None = None, trial: bool = False
) -> tuple[Payment, str]:
    """Open a checkout (captured at once) for a package of lessons or the trial lesson."""
    if not student.is_student:
        raise BillingError(_("Only students can buy lessons."))
    tutor = tutor_of(teacher)
    if tutor is None:
        raise BillingError(_("This teacher does not sell lessons."))
    if trial:
        if tutor.trial_price is None:
            raise BillingError(_("This teacher offers no trial lesson."))
        if has_trial(student=student, teacher=teacher):
            raise BillingError(_("You have already had a trial lesson with this teacher."))
        kind, amount, lessons, minutes = Payment.Kind.TRIAL, tutor.trial_price, 1, tutor.trial_minutes
    else:
        if package is None or package.tutor_id != tutor.pk or package.price() is None:
            raise BillingError(_("That package is not on sale."))
        kind, amount, lessons, minutes = Payment.Kind.PACKAGE, package.price(), package.lessons, package.minutes
    if amount <= 0:
        raise BillingError(_("That package is not on sale."))
    gateway.ensure_configured()
    customer = customer_ensure(user=student)
    payment = Payment.objects.create(
        user=student,
        kind=kind,
        teacher=teacher,
        provider=Payment.Provider.TEST if gateway.test_mode() else Payment.Provider.STRIPE,
        amount=amount,
        currency=tutor.currency.upper(),
        lessons=lessons,
        lesson_minutes=minutes,
    )
    return payment, _checkout(payment=payment, customer=customer, base_url=base_url, capture_later=False)


def _checkout(*, payment: Payment, customer: Customer, base_url: str, capture_later: bool) -> str:
    try:
        session = gateway.checkout_session_create_lesson(
            payment_id=payment.pk,
            customer_id=customer.provider_customer_id,
            amount=payment.amount,
            currency=payment.currency,
            product_name=str(payment.description),
            success_url=base_url + reverse("billing:checkout_success", args=[payment.pk]),
            cancel_url=base_url + reverse("billing:checkout_cancelled", args=[payment.pk]),
            capture_later=capture_later,
        )
    except BillingError:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CANCELLED)
        raise
    Payment.objects.filter(pk=payment.pk).update(checkout_session_id=session.id)
    payment.checkout_session_id = session.id
    return session.url


def _check_paid(payment: Payment, *, amount: int, currency: str, customer_id: str) -> None:
    customer = Customer.objects.filter(user_id=payment.user_id).first()
    if customer is None or customer.provider_customer_id != customer_id:
        raise EventRejected(f"Customer {customer_id!r} is not the buyer of payment #{payment.pk}.")
    if amount != payment.amount or currency.upper() != payment.currency:
        raise EventRejected(
            f"Payment #{payment.pk}: {amount} {currency.upper()}, expected {payment.amount} {payment.currency}."
        )


def _mark_captured(payment: Payment, *, payment_intent_id: str, charge_id: str, fee: int) -> None:
    payment.status = Payment.Status.SUCCEEDED
    payment.payment_intent_id = payment_intent_id or payment.payment_intent_id or None
    payment.charge_id = charge_id or payment.charge_id
    payment.fee = fee
    payment.teacher_share = teacher_share(amount=payment.amount, teacher=payment.teacher)
    payment.failure_message = ""
    payment.paid_at = timezone.now()
    payment.save()
    sale_record(payment=payment, teacher_account=Account.TEACHER_PENDING)
    receipt_issue(payment=payment)


@transaction.atomic
def credits_fulfil(*, payment_id: int, amount: int, currency: str, customer_id: str, payment_intent_id: str = ""):
    """The provider took the money for a package or trial: record it and give the credits."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("teacher").filter(pk=payment_id).first()
    if payment is None or payment.kind not in (Payment.Kind.PACKAGE, Payment.Kind.TRIAL):
        raise EventRejected(f"No lesson-credit payment #{payment_id} here.")
    if payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.CANCELLED):
        return payment
    _check_paid(payment, amount=amount, currency=currency, customer_id=customer_id)
    details = gateway.charge_details(payment_intent_id=payment_intent_id, amount=amount)
    _mark_captured(payment, payment_intent_id=payment_intent_id, charge_id=details.charge_id, fee=details.fee)
    try:
        with transaction.atomic():
            LessonCredit.objects.create(
                student=payment.user,
                teacher=payment.teacher,
                payment=payment,
                minutes=payment.lesson_minutes,
                total=payment.lessons,
                remaining=payment.lessons,
                is_trial=payment.kind == Payment.Kind.TRIAL,
            )
    except IntegrityError:
        # A second trial with the same teacher (two checkouts paid at once): give it back.
        _refund(payment=payment, amount=payment.amount, key=f"trial-twice:{payment.pk}", reason="Second trial")
        return payment
    notify(
        user=payment.user,
        kind="billing",
        title=format_lazy(gettext_lazy("Your lessons with {name} are ready to book"), name=payment.teacher.name),
        body=gettext_lazy("Pick a time on the teacher's booking page; each booking uses one lesson."),
        url=reverse("live:booking_widget", args=[payment.teacher.teacher_profile.slug]),
    )
    return payment


# --- One paid lesson: authorise, capture, release ---------------------------------------


def lesson_payment(live_class: LiveClass, student: User | None = None) -> Payment | None:
    """The lesson payment that holds or paid for `live_class` (the latest one); in a group
    class, for `student`'s place."""
    payments = Payment.objects.filter(live_class=live_class, kind=Payment.Kind.LESSON)
    if student is not None:
        payments = payments.filter(user=student)
    return payments.exclude(status__in=[Payment.Status.FAILED]).order_by("-created_at", "-id").first()


def _class_payments(live_class: LiveClass, student_id: int | None = None):
    """The class's lesson payments, row-locked: one for a one-to-one class, one per paid place
    in a group class (or only `student_id`'s)."""
    payments = Payment.objects.select_for_update(of=("self",)).filter(live_class=live_class, kind=Payment.Kind.LESSON)
    if student_id is not None:
        payments = payments.filter(user_id=student_id)
    return payments.select_related("teacher", "user").order_by("created_at", "id")


def awaiting_payment(live_class: LiveClass) -> bool:
    return Payment.objects.filter(
        live_class=live_class, kind=Payment.Kind.LESSON, status=Payment.Status.PENDING
    ).exists()


def lesson_payment_prepare(*, live_class: LiveClass, student: User) -> Payment:
    """The pending payment of a paid request (in the request's transaction); checkout follows."""
    price = lesson_price(teacher=live_class.teacher, minutes=live_class.minutes)
    if price is None:
        raise BillingError(_("This teacher has no price for a lesson of that length."))
    return _class_payment_create(
        live_class=live_class, student=student, amount=price, currency=tutor_of(live_class.teacher).currency
    )


def seat_payment_prepare(*, live_class: LiveClass, student: User) -> Payment:
    """The pending payment of a place held in a paid group class (in the registration's transaction)."""
    return _class_payment_create(
        live_class=live_class, student=student, amount=live_class.seat_price, currency=live_class.seat_currency
    )


def _class_payment_create(*, live_class: LiveClass, student: User, amount: int, currency: str) -> Payment:
    gateway.ensure_configured()
    return Payment.objects.create(
        user=student,
        kind=Payment.Kind.LESSON,
        teacher=live_class.teacher,
        live_class=live_class,
        provider=Payment.Provider.TEST if gateway.test_mode() else Payment.Provider.STRIPE,
        amount=amount,
        currency=currency.upper(),
        lessons=1,
        lesson_minutes=live_class.minutes,
    )


def lesson_checkout_url(live_class: LiveClass, *, base_url: str) -> str | None:
    """Where the student of a paid request authorises its price (Checkout), or None when the
    request has nothing left to pay (a free lesson, a lesson credit)."""
    payment = lesson_payment(live_class)
    if payment is None or payment.status != Payment.Status.PENDING:
        return None
    return lesson_checkout_start(payment=payment, base_url=base_url)


def lesson_checkout_start(*, payment: Payment, base_url: str) -> str:
    """Open Stripe Checkout that only authorises the lesson's price (captured on confirm)."""
    customer = customer_ensure(user=payment.user)
    try:
        return _checkout(payment=payment, customer=customer, base_url=base_url, capture_later=True)
    except BillingError:
        lesson_checkout_abandon(payment_id=payment.pk)
        raise


@transaction.atomic
def lesson_checkout_abandon(*, payment_id: int) -> Payment | None:
    """The checkout was left or expired unpaid: the payment closes and the slot frees up."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id, kind=Payment.Kind.LESSON).first()
    if payment is None or payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED):
        return payment
    payment.status = Payment.Status.CANCELLED
    payment.save(update_fields=["status"])
    LiveClass.objects.filter(pk=payment.live_class_id, status=LiveClass.Status.PENDING).update(
        status=LiveClass.Status.CANCELLED,
        reason_code=LiveClass.SystemReason.PAYMENT_NOT_COMPLETED,
        cancelled_by=payment.user,
        updated_at=timezone.now(),
    )
    # A place held in a group class goes back to the class.
    Participant.objects.filter(
        live_class_id=payment.live_class_id, student_id=payment.user_id, status=Participant.Status.HELD
    ).update(status=Participant.Status.CANCELLED)
    # The slot is free again: the tutor's free hours in the directory follow (tutors.tasks).
    transaction.on_commit(lambda: async_task("tutors.tasks.tutor_refresh", payment.teacher_id))
    return payment


UNPAID_AFTER = timedelta(minutes=35)  # the Checkout Session expires after 30


def unpaid_checkouts_abandon(*, now: datetime | None = None) -> int:
    """Worker: lesson checkouts still unpaid after their session expired free their slot
    (Stripe's checkout.session.expired does the same; the test provider sends none)."""
    cutoff = (now or timezone.now()) - UNPAID_AFTER
    stale = Payment.objects.filter(kind=Payment.Kind.LESSON, status=Payment.Status.PENDING, created_at__lte=cutoff)
    ids = list(stale.values_list("id", flat=True))
    for payment_id in ids:
        lesson_checkout_abandon(payment_id=payment_id)
    return len(ids)


def _authorisation_check(
    *, payment_id: int, amount: int, currency: str, customer_id: str, payment_intent_id: str
) -> Payment:
    """Lock the lesson payment a checkout authorised and check the amount and buyer. A payment
    no longer pending comes back as it is (a retry, or paid after it was given up: then the
    new hold is let go at once)."""
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("live_class", "teacher", "user")
        .filter(pk=payment_id, kind=Payment.Kind.LESSON)
        .first()
    )
    if payment is None:
        raise EventRejected(f"No lesson payment #{payment_id} here.")
    if payment.status != Payment.Status.PENDING:
        if payment.status == Payment.Status.CANCELLED and payment_intent_id and not payment.payment_intent_id:
            gateway.payment_intent_cancel(payment_intent_id=payment_intent_id, idempotency_key=f"release-{payment.pk}")
            payment.payment_intent_id = payment_intent_id
            payment.save(update_fields=["payment_intent_id"])
        return payment
    _check_paid(payment, amount=amount, currency=currency, customer_id=customer_id)
    payment.payment_intent_id = payment_intent_id or None
    return payment


def _let_go(payment: Payment) -> Payment:
    """An authorised hold whose class or place is gone: release it at once."""
    gateway.payment_intent_cancel(
        payment_intent_id=payment.payment_intent_id or "", idempotency_key=f"release-{payment.pk}"
    )
    payment.status = Payment.Status.CANCELLED
    payment.save(update_fields=["status", "payment_intent_id"])
    return payment


@transaction.atomic
def lesson_authorised(*, payment_id: int, amount: int, currency: str, customer_id: str, payment_intent_id: str):
    """The card holds the lesson's price: the teacher hears about the request now."""
    payment = _authorisation_check(
        payment_id=payment_id,
        amount=amount,
        currency=currency,
        customer_id=customer_id,
        payment_intent_id=payment_intent_id,
    )
    if payment.status != Payment.Status.PENDING:
        return payment
    live_class = payment.live_class
    if live_class.status != LiveClass.Status.PENDING:
        return _let_go(payment)
    payment.status = Payment.Status.AUTHORIZED
    payment.save(update_fields=["status", "payment_intent_id"])
    teacher = payment.teacher
    notify(
        user=teacher,
        kind="live",
        title=format_lazy(
            gettext_lazy("{name} asks for a class on {when}"),
            name=payment.user.name,
            when=_when_lazy(live_class, teacher),
        ),
        body=format_lazy(
            gettext_lazy("{amount} is held on the student's card and taken when you confirm."),
            amount=_money_lazy(payment.amount, payment.currency),
        ),
        url=live_class.get_absolute_url(),
    )
    return payment


def seat_authorised(
    *, payment_id: int, amount: int, currency: str, customer_id: str, payment_intent_id: str, place_held: bool
) -> Payment:
    """The card holds the price of a group class place. The class is confirmed already, so the
    money is taken at once while the place is still held; otherwise the hold goes.

    Called by live.services.group_seat_paid, with the class row locked."""
    payment = _authorisation_check(
        payment_id=payment_id,
        amount=amount,
        currency=currency,
        customer_id=customer_id,
        payment_intent_id=payment_intent_id,
    )
    if payment.status != Payment.Status.PENDING:
        return payment
    if not place_held:
        return _let_go(payment)
    payment.status = Payment.Status.AUTHORIZED
    payment.save(update_fields=["status", "payment_intent_id"])
    _capture(payment)
    return payment


def _capture(payment: Payment) -> None:
    details = gateway.payment_intent_capture(
        payment_intent_id=payment.payment_intent_id, amount=payment.amount, idempotency_key=f"capture-{payment.pk}"
    )
    _mark_captured(payment, payment_intent_id=payment.payment_intent_id, charge_id=details.charge_id, fee=details.fee)


def lesson_capture(*, live_class: LiveClass) -> Payment | None:
    """The teacher confirmed: take the held money (none held = a free or credit lesson).

    Called inside the confirmation's transaction, with the class row locked."""
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("teacher")
        .filter(live_class=live_class, kind=Payment.Kind.LESSON)
        .exclude(status__in=[Payment.Status.CANCELLED, Payment.Status.FAILED])
        .order_by("-created_at")
        .first()
    )
    if payment is None or payment.status != Payment.Status.AUTHORIZED:
        if payment is not None and payment.status == Payment.Status.PENDING:
            raise BillingError(_("The student has not finished paying for this class yet."))
        return payment
    _capture(payment)
    return payment


@transaction.atomic
def lesson_captured_elsewhere(*, payment_id: int, payment_intent_id: str, amount: int) -> Payment | None:
    """payment_intent.succeeded: a capture we made (already recorded) or one made in Stripe's dashboard."""
    payment = Payment.objects.select_for_update(of=("self",)).filter(pk=payment_id).first()
    if payment is None:
        raise EventRejected(f"No payment #{payment_id} here.")
    if payment.status == Payment.Status.PENDING:
        raise EventParked(f"Lesson payment #{payment_id} is not authorised yet.")
    if payment.status != Payment.Status.AUTHORIZED:
        return payment
    if amount != payment.amount:
        raise EventRejected(f"Payment #{payment.pk}: captured {amount}, expected {payment.amount}.")
    details = gateway.charge_details(payment_intent_id=payment_intent_id, amount=amount)
    _mark_captured(payment, payment_intent_id=payment_intent_id, charge_id=details.charge_id, fee=details.fee)
    return payment


def lesson_release(*, live_class: LiveClass, student_id: int | None = None) -> int:
    """Declined, expired or withdrawn before confirmation (or a group class place given up
    while paying): the holds on the cards go. Returns how many."""
    held = _class_payments(live_class, student_id).filter(
        status__in=[Payment.Status.PENDING, Payment.Status.AUTHORIZED]
    )
    released = 0
    for payment in held:
        if payment.status == Payment.Status.AUTHORIZED:
            gateway.payment_intent_cancel(
                payment_intent_id=payment.payment_intent_id or "", idempotency_key=f"release-{payment.pk}"
            )
        payment.status = Payment.Status.CANCELLED
        payment.save(update_fields=["status"])
        released += 1
    return released


@transaction.atomic
def lesson_released_elsewhere(*, payment_intent_id: str) -> Payment | None:
    """payment_intent.canceled: the hold went (our release, or Stripe's after seven days)."""
    payment = Payment.objects.select_for_update().filter(payment_intent_id=payment_intent_id or "-").first()
    if payment is not None and payment.status == Payment.Status.AUTHORIZED:
        payment.status = Payment.Status.CANCELLED
        payment.save(update_fields=["status"])
    return payment


# --- Cancellation and refunds -----------------------------------------------------------


def _refund(*, payment: Payment, amount: int, key: str, reason: str, actor: User | None = None) -> Refund | None:
    """Give `amount` back once per `key` (the payment row locked by the caller); recorded by
    billing.services.refund_record like every refund."""
    existing = Refund.objects.filter(key=key).first()
    if existing or amount <= 0:
        return existing
    amount = min(amount, payment.amount - payment.amount_refunded)
    if amount <= 0:
        return None
    provider_refund_id = gateway.refund_create(
        payment_intent_id=payment.payment_intent_id or "", amount=amount, idempotency_key=key, reason=reason
    )
    return refund_record(
        payment=payment, provider_refund_id=provider_refund_id, amount=amount, reason=reason, actor=actor, key=key
    )


def lesson_cancel_settle(
    *, live_class: LiveClass, actor: User, now: datetime, student_id: int | None = None
) -> list[Refund]:
    """A class was called off (or, with `student_id`, one student gave up their place in a
    group class): release holds, refund by the policy, or give the credit back.

    Called inside the cancellation's transaction, with the class row locked."""
    percent, reason = refund_percent(live_class=live_class, actor=actor, now=now)
    use = CreditUse.objects.filter(live_class=live_class, returned_at=None, earned_at=None).first()
    if use is not None:
        if percent == 100 or live_class.status == LiveClass.Status.PENDING:
            credit_return(live_class=live_class)
        else:
            earnings_release(live_class=live_class)  # a late cancellation spends the lesson
        return []
    lesson_release(live_class=live_class, student_id=student_id)
    refunds = []
    for payment in _class_payments(live_class, student_id).filter(status__in=Payment.REFUNDABLE):
        refund = _refund(
            payment=payment,
            amount=(payment.amount * percent) // 100,  # rounded down, in whole minor units
            key=f"lesson-refund:{live_class.pk}:{payment.user_id}:{reason}",
            reason=f"Class {live_class.pk} cancelled ({reason})",
            actor=actor,
        )
        if refund is not None:
            refunds.append(refund)
        if percent < 100:
            earnings_release(live_class=live_class, student_id=payment.user_id)  # the teacher keeps their part
    return refunds


@transaction.atomic
def teacher_no_show(*, actor: User, live_class_id: int) -> list[Refund]:
    """Staff record that the teacher did not come: full refunds, and it counts against them
    (the class is cancelled by the teacher, so reliability sees it)."""
    if not actor.is_platform_staff:
        raise BillingError(_("Only staff can record a teacher's no-show."))
    live_class = LiveClass.objects.select_for_update().get(pk=live_class_id)
    if live_class.status != LiveClass.Status.CONFIRMED:
        raise BillingError(_("Only a confirmed class can have a no-show."))
    live_class.status = LiveClass.Status.CANCELLED
    live_class.cancelled_by_id = live_class.teacher_id
    live_class.reason_code = LiveClass.SystemReason.TEACHER_NO_SHOW
    live_class.save(update_fields=["status", "cancelled_by", "reason_code", "updated_at"])
    # The teacher's reliability in the directory counts it (tutors.tasks).
    transaction.on_commit(lambda: async_task("tutors.tasks.tutor_refresh", live_class.teacher_id))
    if CreditUse.objects.filter(live_class=live_class, returned_at=None, earned_at=None).exists():
        credit_return(live_class=live_class)
        return []
    refunds = [
        _refund(
            payment=payment,
            amount=payment.amount,
            key=f"lesson-refund:{live_class.pk}:{payment.user_id}:{Reason.TEACHER_NO_SHOW}",
            reason=f"Class {live_class.pk}: teacher no-show",
            actor=actor,
        )
        for payment in _class_payments(live_class).filter(status__in=Payment.REFUNDABLE)
    ]
    return [refund for refund in refunds if refund is not None]


# --- Earnings ---------------------------------------------------------------------------


def _pending_of_payment(payment: Payment) -> int:
    """What the ledger still holds as pending for the teacher on `payment` (positive)."""
    total = LedgerEntry.objects.filter(transaction__payment=payment, account=Account.TEACHER_PENDING).aggregate(
        total=Sum("amount")
    )["total"]
    return -(total or 0)


def _move_to_payable(*, payment: Payment, amount: int, key: str, live_class: LiveClass) -> None:
    if amount <= 0:
        return
    ledger.transaction_record(
        key=key,
        kind=LedgerTransaction.Kind.EARNINGS_PAYABLE,
        legs=[
            Leg(Account.TEACHER_PENDING, amount, payment.currency, payment.teacher),
            Leg(Account.TEACHER_PAYABLE, -amount, payment.currency, payment.teacher),
        ],
        payment=payment,
        teacher=payment.teacher,
        description=format_lazy(gettext_lazy("Earnings for class #{number}"), number=live_class.pk),
    )


def earnings_release(*, live_class: LiveClass, student_id: int | None = None) -> int:
    """The teacher's part of `live_class` (of `student_id`'s place in a group class) becomes
    payable, once; returns how much moved."""
    payments = list(_class_payments(live_class, student_id).filter(status__in=Payment.REFUNDABLE))
    if payments:
        moved = 0
        for payment in payments:
            key = f"earned:class:{live_class.pk}:{payment.user_id}"
            if not LedgerTransaction.objects.filter(key=key).exists():
                amount = _pending_of_payment(payment)
                _move_to_payable(payment=payment, amount=amount, key=key, live_class=live_class)
                moved += max(amount, 0)
        return moved
    use = CreditUse.objects.select_for_update().filter(live_class=live_class, returned_at=None, earned_at=None).first()
    if use is None:
        return 0
    credit = (
        LessonCredit.objects.select_for_update(of=("self",)).select_related("payment__teacher").get(pk=use.credit_id)
    )
    share = (
        credit.payment.teacher_share
        - ledger.split(credit.payment.amount_refunded, credit.payment.teacher_share, credit.payment.amount)[0]
    )
    earned = CreditUse.objects.filter(credit=credit).exclude(earned_at=None).count()
    # The k-th lesson earns floor(share·k/total) − floor(share·(k−1)/total): the parts sum to share.
    amount = share * (earned + 1) // credit.total - share * earned // credit.total
    use.earned_at = timezone.now()
    use.save(update_fields=["earned_at"])
    _move_to_payable(payment=credit.payment, amount=amount, key=f"earned:credit-use:{use.pk}", live_class=live_class)
    return amount


def _disputed(live_class: LiveClass) -> bool:
    return (
        ScheduleDispute.objects.filter(live_class=live_class, status=ScheduleDispute.Status.OPEN).exists()
        or Dispute.objects.filter(live_class_reference=str(live_class.pk)).exclude(status__in=Dispute.CLOSED).exists()
    )


def attendance_recorded(*, live_class: LiveClass, student_id: int, attendance: str) -> int:
    """The teacher marked a student: attended (or a student no-show) makes their lesson, or
    their place in a group class, payable."""
    if attendance not in (Participant.Attendance.ATTENDED, Participant.Attendance.NO_SHOW) or _disputed(live_class):
        return 0
    return earnings_release(live_class=live_class, student_id=student_id)


def earnings_release_due(*, now: datetime | None = None) -> int:
    """Worker: lessons that ended `earnings_hold_hours` ago without a dispute become payable."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=policy().earnings_hold_hours)
    classes = (
        LiveClass.objects.filter(status=LiveClass.Status.CONFIRMED, end__lte=cutoff)
        .filter(
            Q(payments__kind=Payment.Kind.LESSON, payments__status__in=Payment.REFUNDABLE)
            | Q(credit_use__returned_at=None, credit_use__earned_at=None, credit_use__isnull=False)
        )
        .distinct()
    )
    moved = 0
    for live_class in classes:
        if _disputed(live_class):
            continue
        with transaction.atomic():
            if earnings_release(live_class=live_class):
                moved += 1
    return moved


def teacher_lesson_balances(*, teacher: User) -> list[dict]:
    """Per currency: lesson earnings pending (lesson not attended yet) and payable."""
    rows = (
        LedgerEntry.objects.filter(teacher=teacher, account__in=[Account.TEACHER_PENDING, Account.TEACHER_PAYABLE])
        .values("currency", "account")
        .annotate(total=Sum("amount"))
    )
    balances: dict[str, dict] = {}
    for row in rows:
        entry = balances.setdefault(row["currency"], {"currency": row["currency"], "pending": 0, "payable": 0})
        entry["pending" if row["account"] == Account.TEACHER_PENDING else "payable"] = -row["total"]
    return sorted(balances.values(), key=lambda b: b["currency"])


def class_money(*, live_class: LiveClass, user: User) -> dict | None:
    """What the class page shows about paying for it: the payment (to the student, the
    teacher and staff), a credit used, and the cancellation policy. None for a free class."""
    # In a group class each student sees their own place's payment; the teacher sees the price.
    payment = lesson_payment(live_class, student=user if live_class.kind == LiveClass.Kind.GROUP else None)
    use = CreditUse.objects.filter(live_class=live_class).select_related("credit").first()
    if payment is None and use is None:
        return None
    return {
        "payment": payment,
        "credit_use": use,
        "policy": policy(),
        "refunds": list(payment.refunds.all()) if payment is not None else [],
    }
