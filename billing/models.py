"""What billing records: customers, payments, refunds, receipts, subscriptions, disputes,
the provider's webhook events, a double-entry ledger, and teachers' payout accounts and payouts.

Money is always an integer number of minor units (pence, cents) with its ISO currency;
`billing.money` converts to and from Decimal for display. Nothing here is a Wagtail page.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel

from billing.money import format_minor


class Customer(models.Model):
    """A user's customer record at the payment provider (one per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="billing_customer"
    )
    provider_customer_id = models.CharField(_("provider customer id"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return f"{self.user} ({self.provider_customer_id})"


class Plan(models.Model):
    """A subscription staff sell: a price per month or year that includes chosen courses."""

    class Interval(models.TextChoices):
        MONTH = "month", _("Monthly")
        YEAR = "year", _("Yearly")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    interval = models.CharField(_("interval"), max_length=8, choices=Interval.choices, default=Interval.MONTH)
    amount = models.PositiveIntegerField(
        _("amount"), help_text=_("Price per interval in minor units (pence), e.g. 1500 = £15.00.")
    )
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    provider_price_id = models.CharField(
        _("Stripe price id"), max_length=100, blank=True, help_text=_("price_… from the Stripe dashboard (live mode).")
    )
    courses = models.ManyToManyField("courses.CoursePage", verbose_name=_("courses"), blank=True, related_name="plans")
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Offered to new subscribers."))

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["amount", "name"]

    def __str__(self):
        return gettext("{name} ({price} / {interval})").format(
            name=self.name, price=self.price_display, interval=self.get_interval_display()
        )

    @property
    def price_display(self) -> str:
        return format_minor(self.amount, self.currency)


class Subscription(models.Model):
    """A user's subscription to a plan, mirrored from the provider's subscription events."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("Incomplete")
        TRIALING = "trialing", _("Trialing")
        ACTIVE = "active", pgettext_lazy("subscription status", "Active")
        PAST_DUE = "past_due", _("Past due (grace period)")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Cancelled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="subscriptions")
    provider_subscription_id = models.CharField(_("provider subscription id"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.INCOMPLETE)
    current_period_end = models.DateTimeField(_("current period end"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancel at period end"), default=False)
    grace_until = models.DateTimeField(
        _("grace until"), null=True, blank=True, help_text=_("Access after a failed renewal ends then.")
    )
    has_access = models.BooleanField(
        _("has access"), default=False, help_text=_("Whether its courses are open to the user now.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} · {self.plan.name} ({self.get_status_display()})"


class Payment(models.Model):
    """Money a student paid (or tried to pay): a course purchase or a subscription invoice."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Course purchase")
        SUBSCRIPTION = "subscription", _("Subscription")
        LESSON = "lesson", _("Live lesson")
        PACKAGE = "package", _("Lesson package")
        TRIAL = "trial", _("Trial lesson")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        AUTHORIZED = "authorized", _("Authorised (held on the card)")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        TEST = "test", _("Test provider")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COURSE)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whose earnings this sale counts towards (the course owner)."),
    )
    live_class = models.ForeignKey(
        "live.LiveClass",
        verbose_name=_("live class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("The live lesson this payment is for."),
    )
    lessons = models.PositiveSmallIntegerField(
        _("lessons"), default=0, help_text=_("Lesson credits a package or trial purchase gives.")
    )
    lesson_minutes = models.PositiveSmallIntegerField(_("lesson length (minutes)"), default=0)
    provider = models.CharField(_("provider"), max_length=8, choices=Provider.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    amount = models.PositiveIntegerField(
        _("amount"), help_text=_("Minor units (pence): the price, then what was actually charged.")
    )
    discount = models.PositiveIntegerField(
        _("discount"), default=0, help_text=_("Taken off the price by a promotion code.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    amount_refunded = models.PositiveIntegerField(_("amount refunded"), default=0)
    fee = models.PositiveIntegerField(_("fee"), default=0, help_text=_("The provider's processing fee, minor units."))
    teacher_share = models.PositiveIntegerField(
        _("teacher share"), default=0, help_text=_("The teacher's part of the amount.")
    )
    checkout_session_id = models.CharField(_("checkout session id"), max_length=100, unique=True, null=True, blank=True)
    payment_intent_id = models.CharField(_("payment intent id"), max_length=100, unique=True, null=True, blank=True)
    invoice_id = models.CharField(_("invoice id"), max_length=100, unique=True, null=True, blank=True)
    charge_id = models.CharField(_("charge id"), max_length=100, blank=True, db_index=True)
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return gettext("Payment #{number} · {amount} · {description}").format(
            number=self.pk, amount=self.amount_display, description=self.description
        )

    @property
    def description(self) -> str:
        if self.kind == self.Kind.LESSON and self.teacher_id:
            return format_lazy(_("Live lesson with {name}"), name=self.teacher.name)
        if self.kind == self.Kind.PACKAGE and self.teacher_id:
            return format_lazy(
                _("{count} × {minutes}-minute lessons with {name}"),
                count=self.lessons,
                minutes=self.lesson_minutes,
                name=self.teacher.name,
            )
        if self.kind == self.Kind.TRIAL and self.teacher_id:
            return format_lazy(_("Trial lesson with {name}"), name=self.teacher.name)
        if self.course_id:
            return self.course.title
        if self.subscription_id:
            return format_lazy(_("{plan} subscription"), plan=self.subscription.plan.name)
        return self.Kind(self.kind).label

    @property
    def amount_display(self) -> str:
        return format_minor(self.amount, self.currency)

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.amount_refunded if self.status in self.REFUNDABLE else 0

    REFUNDABLE = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED)


class Refund(models.Model):
    """Money given back on a payment, by staff in admin or in the provider's dashboard."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    provider_refund_id = models.CharField(_("provider refund id"), max_length=100, unique=True)
    key = models.CharField(
        _("key"),
        max_length=120,
        unique=True,
        null=True,
        blank=True,
        help_text=_("What caused it (a class and a reason); one refund per cause."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return gettext("Refund {amount} on payment #{number}").format(
            amount=format_minor(self.amount, self.currency), number=self.payment_id
        )

    @property
    def amount_display(self) -> str:
        return format_minor(self.amount, self.currency)

    amount_display.fget.short_description = _("amount")  # its column in the staff portal


class ReceiptSequence(models.Model):
    """The last receipt number issued; one row, locked while a number is taken."""

    name = models.CharField(_("name"), max_length=20, unique=True, default="receipts")
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("receipt sequence")
        verbose_name_plural = _("receipt sequences")

    def __str__(self):
        return f"{self.name}: {self.last_number}"


class Receipt(models.Model):
    """The receipt for one successful payment: a gap-free sequential number."""

    payment = models.OneToOneField(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="receipt")
    number = models.PositiveIntegerField(_("number"), unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-number"]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"{settings.BILLING_RECEIPT_PREFIX}{self.number:06d}"

    reference.fget.short_description = _("reference")


class WebhookEvent(models.Model):
    """Every provider event we received, by its id, and what became of it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored (type not handled)")
        PARKED = "parked", _("Parked (waiting for an earlier event)")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed (will retry)")

    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=80, db_index=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.type} {self.event_id} ({self.status})"


class Dispute(models.Model):
    """A disagreement about a payment (a Stripe chargeback, or opened by the student) or a live class."""

    class Source(models.TextChoices):
        PROVIDER = "provider", _("Card dispute (Stripe)")
        STUDENT = "student", _("Opened by the student")

    class Subject(models.TextChoices):
        PAYMENT = "payment", _("A payment")
        LIVE_CLASS = "live_class", _("A live class")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("dispute status", "Open")
        UNDER_REVIEW = "under_review", _("Under review")
        WON = "won", _("Won (payment kept)")
        LOST = "lost", _("Lost (money returned)")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    CLOSED = (Status.WON, Status.LOST, Status.RESOLVED, Status.REJECTED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="billing_disputes"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    subject = models.CharField(_("subject"), max_length=12, choices=Subject.choices, default=Subject.PAYMENT)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    live_class_reference = models.CharField(
        _("live class reference"),
        max_length=100,
        blank=True,
        help_text=_("The live class (booking) this is about, when it is about one."),
    )
    provider_dispute_id = models.CharField(_("provider dispute id"), max_length=100, unique=True, null=True, blank=True)
    amount = models.PositiveIntegerField(_("amount"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    message = models.TextField(_("message"), blank=True, help_text=_("What the student wrote."))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_billing_disputes",
        limit_choices_to=Q(role="staff") | Q(is_superuser=True),
    )
    staff_notes = models.TextField(_("staff notes"), blank=True, help_text=_("Internal; never shown to the student."))
    resolution = models.TextField(
        _("resolution"), blank=True, help_text=_("Sent to the student when the dispute is closed.")
    )
    outcome_notified_at = models.DateTimeField(_("outcome notified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return gettext("Dispute #{number} · {user} · {status}").format(
            number=self.pk, user=self.user, status=self.get_status_display()
        )

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED


class LedgerTransaction(models.Model):
    """One balanced movement of money; its entries sum to zero in every currency."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        STRIPE_FEE = "stripe_fee", _("Processing fee")
        REFUND = "refund", _("Refund")
        DISPUTE_LOST = "dispute_lost", _("Dispute lost")
        EARNINGS_PAYABLE = "earnings_payable", _("Lesson earnings become payable")
        PAYOUT = "payout", _("Payout to a teacher")
        PAYOUT_REVERSAL = "payout_reversal", _("Payout reversed")

    key = models.CharField(
        _("key"), max_length=120, unique=True, help_text=_("What caused it; one transaction per cause.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.key}"


class LedgerEntry(models.Model):
    """One leg of a transaction: positive = debit, negative = credit (minor units)."""

    class Account(models.TextChoices):
        # Assets
        PROVIDER_BALANCE = "provider_balance", _("Money held at Stripe")
        # Income and its reductions
        PLATFORM_REVENUE = "platform_revenue", _("Platform fees (income)")
        # Liabilities
        TEACHER_PAYABLE = "teacher_payable", _("Owed to teachers")
        TEACHER_PENDING = "teacher_pending", _("Owed to teachers once the lesson is attended")
        # Expenses
        PROVIDER_FEES = "provider_fees", _("Stripe fees (expense)")

    transaction = models.ForeignKey(
        LedgerTransaction, verbose_name=_("transaction"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.CharField(_("account"), max_length=20, choices=Account.choices, db_index=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self):
        return f"{self.account} {self.amount:+d} {self.currency}"


class LessonSettings(SingletonModel):
    """The cancellation policy and commission of paid live lessons; one row, edited by staff."""

    free_cancel_hours = models.PositiveSmallIntegerField(
        _("free cancellation (hours before)"),
        default=24,
        help_text=_("A student who cancels at least this long before the start gets everything back."),
    )
    late_refund_percent = models.PositiveSmallIntegerField(
        _("refund inside the window (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("What a student gets back when cancelling later than that but before the start."),
    )
    commission_percent = models.DecimalField(
        _("commission (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MaxValueValidator(Decimal(100))],
        help_text=_("The platform's share of each lesson; empty for the PLATFORM_FEE_PERCENT setting."),
    )
    earnings_hold_hours = models.PositiveSmallIntegerField(
        _("earnings hold (hours after the end)"),
        default=24,
        help_text=_("Lesson earnings not marked attended become payable this long after the end, unless disputed."),
    )

    class Meta:
        verbose_name = _("lesson settings")
        verbose_name_plural = _("lesson settings")
        constraints = [
            models.CheckConstraint(condition=Q(late_refund_percent__lte=100), name="lesson_late_refund_max"),
        ]

    def __str__(self):
        return gettext("Lesson settings")

    @property
    def commission(self) -> Decimal:
        return settings.PLATFORM_FEE_PERCENT if self.commission_percent is None else self.commission_percent


class LessonCredit(models.Model):
    """Lessons a student bought in advance (a package or a trial) with one teacher."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.PROTECT, related_name="lesson_credits"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="+"
    )
    payment = models.OneToOneField(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="credit")
    minutes = models.PositiveSmallIntegerField(_("lesson length (minutes)"))
    total = models.PositiveSmallIntegerField(_("lessons bought"))
    remaining = models.IntegerField(_("lessons left"))
    is_trial = models.BooleanField(_("trial"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson credit")
        verbose_name_plural = _("lesson credits")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="lesson_credit_remaining_min"),
            models.CheckConstraint(condition=Q(remaining__lte=models.F("total")), name="lesson_credit_remaining_max"),
            models.UniqueConstraint(
                fields=["student", "teacher"], condition=Q(is_trial=True), name="lesson_credit_one_trial"
            ),
        ]

    def __str__(self):
        return gettext("{remaining} of {total} lessons with {teacher}").format(
            remaining=self.remaining, total=self.total, teacher=self.teacher
        )

    @property
    def value_per_lesson(self) -> int:
        """What one lesson of it cost, minor units (rounded down; the last lesson gets the rest)."""
        return self.payment.amount // max(self.total, 1)


class CreditUse(models.Model):
    """One credit spent on one class; `returned_at` set when a cancellation gave it back."""

    credit = models.ForeignKey(LessonCredit, verbose_name=_("credit"), on_delete=models.PROTECT, related_name="uses")
    live_class = models.OneToOneField(
        "live.LiveClass", verbose_name=_("live class"), on_delete=models.PROTECT, related_name="credit_use"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    earned_at = models.DateTimeField(_("earned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit use")
        verbose_name_plural = _("credit uses")

    def __str__(self):
        return f"{self.credit_id} → {self.live_class_id}"


class PayoutAccount(models.Model):
    """A teacher's Stripe Connect (Express) account, where their payouts go."""

    teacher = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="payout_account"
    )
    provider_account_id = models.CharField(_("provider account id"), max_length=100, unique=True)
    details_submitted = models.BooleanField(_("details submitted"), default=False)
    payouts_enabled = models.BooleanField(_("payouts enabled"), default=False)
    status_as_of = models.DateTimeField(
        _("status as of"),
        null=True,
        blank=True,
        help_text=_("When the provider reported the status shown; older reports are ignored."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.teacher} ({self.provider_account_id})"

    @property
    def ready(self) -> bool:
        return self.details_submitted and self.payouts_enabled


class Payout(models.Model):
    """Money transferred to a teacher's connected account: their payable balance in one currency."""

    SCHEDULE = "billing.payouts_run"  # the worker's daily run (django-q Schedule name)

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payout status", "Pending")
        PAID = "paid", pgettext_lazy("payout status", "Paid")
        FAILED = "failed", pgettext_lazy("payout status", "Failed")
        REVERSED = "reversed", pgettext_lazy("payout status", "Reversed")

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="payouts"
    )
    account = models.ForeignKey(
        PayoutAccount, verbose_name=_("payout account"), on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.PositiveBigIntegerField(_("amount"), help_text=_("Minor units (pence)."))
    amount_reversed = models.PositiveBigIntegerField(_("amount reversed"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    provider_transfer_id = models.CharField(
        _("provider transfer id"), max_length=100, unique=True, null=True, blank=True
    )
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=120,
        unique=True,
        help_text=_("The teacher, currency and last ledger entry paid out: the same earnings are never paid twice."),
    )
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_reversed__lte=models.F("amount")), name="billing_payout_reversed_within_amount"
            ),
        ]

    def __str__(self):
        return gettext("Payout #{number} · {amount} · {status}").format(
            number=self.pk, amount=self.amount_display, status=self.get_status_display()
        )

    @property
    def amount_display(self) -> str:
        return format_minor(self.amount, self.currency)

    amount_display.fget.short_description = _("amount")
