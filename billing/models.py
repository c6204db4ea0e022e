"""What billing records: customers, payments, refunds, receipts, subscriptions, disputes,
the provider's webhook events and a double-entry ledger.

Money is always an integer number of minor units (pence, cents) with its ISO currency;
`billing.money` converts to and from Decimal for display. Nothing here is a Wagtail page.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billing.money import format_minor


class Customer(models.Model):
    """A user's customer record at the payment provider (one per user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_customer")
    provider_customer_id = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user} ({self.provider_customer_id})"


class Plan(models.Model):
    """A subscription staff sell: a price per month or year that includes chosen courses."""

    class Interval(models.TextChoices):
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    interval = models.CharField(max_length=8, choices=Interval.choices, default=Interval.MONTH)
    amount = models.PositiveIntegerField(help_text="Price per interval in minor units (pence), e.g. 1500 = £15.00.")
    currency = models.CharField(max_length=3, default="GBP")
    provider_price_id = models.CharField(
        "Stripe price id", max_length=100, blank=True, help_text="price_… from the Stripe dashboard (live mode)."
    )
    courses = models.ManyToManyField("courses.CoursePage", blank=True, related_name="plans")
    is_active = models.BooleanField(default=True, help_text="Offered to new subscribers.")

    class Meta:
        ordering = ["amount", "name"]

    def __str__(self):
        return f"{self.name} ({self.price_display} / {self.interval})"

    @property
    def price_display(self) -> str:
        return format_minor(self.amount, self.currency)


class Subscription(models.Model):
    """A user's subscription to a plan, mirrored from the provider's subscription events."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", "Incomplete"
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due (grace period)"
        UNPAID = "unpaid", "Unpaid"
        CANCELED = "canceled", "Cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    provider_subscription_id = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INCOMPLETE)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    grace_until = models.DateTimeField(null=True, blank=True, help_text="Access after a failed renewal ends then.")
    has_access = models.BooleanField(default=False, help_text="Whether its courses are open to the user now.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} · {self.plan.name} ({self.get_status_display()})"


class Payment(models.Model):
    """Money a student paid (or tried to pay): a course purchase or a subscription invoice."""

    class Kind(models.TextChoices):
        COURSE = "course", "Course purchase"
        SUBSCRIPTION = "subscription", "Subscription"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        TEST = "test", "Test provider"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COURSE)
    course = models.ForeignKey(
        "courses.CoursePage", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose earnings this sale counts towards (the course owner).",
    )
    provider = models.CharField(max_length=8, choices=Provider.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    amount = models.PositiveIntegerField(help_text="Minor units (pence): the price, then what was actually charged.")
    discount = models.PositiveIntegerField(default=0, help_text="Taken off the price by a promotion code.")
    currency = models.CharField(max_length=3)
    amount_refunded = models.PositiveIntegerField(default=0)
    fee = models.PositiveIntegerField(default=0, help_text="The provider's processing fee, minor units.")
    teacher_share = models.PositiveIntegerField(default=0, help_text="The teacher's part of the amount.")
    checkout_session_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    invoice_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    charge_id = models.CharField(max_length=100, blank=True, db_index=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Payment #{self.pk} · {self.amount_display} · {self.description}"

    @property
    def description(self) -> str:
        if self.course_id:
            return self.course.title
        if self.subscription_id:
            return f"{self.subscription.plan.name} subscription"
        return self.get_kind_display()

    @property
    def amount_display(self) -> str:
        return format_minor(self.amount, self.currency)

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.amount_refunded if self.status in self.REFUNDABLE else 0

    REFUNDABLE = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED)


class Refund(models.Model):
    """Money given back on a payment, by staff in admin or in the provider's dashboard."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    provider_refund_id = models.CharField(max_length=100, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Refund {format_minor(self.amount, self.currency)} on payment #{self.payment_id}"

    @property
    def amount_display(self) -> str:
        return format_minor(self.amount, self.currency)


class ReceiptSequence(models.Model):
    """The last receipt number issued; one row, locked while a number is taken."""

    name = models.CharField(max_length=20, unique=True, default="receipts")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last_number}"


class Receipt(models.Model):
    """The receipt for one successful payment: a gap-free sequential number."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    number = models.PositiveIntegerField(unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"{settings.BILLING_RECEIPT_PREFIX}{self.number:06d}"


class WebhookEvent(models.Model):
    """Every provider event we received, by its id, and what became of it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (type not handled)"
        PARKED = "parked", "Parked (waiting for an earlier event)"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed (will retry)"

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=80, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.type} {self.event_id} ({self.status})"


class Dispute(models.Model):
    """A disagreement about a payment (a Stripe chargeback, or opened by the student) or a live class."""

    class Source(models.TextChoices):
        PROVIDER = "provider", "Card dispute (Stripe)"
        STUDENT = "student", "Opened by the student"

    class Subject(models.TextChoices):
        PAYMENT = "payment", "A payment"
        LIVE_CLASS = "live_class", "A live class"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won (payment kept)"
        LOST = "lost", "Lost (money returned)"
        RESOLVED = "resolved", "Resolved"
        REJECTED = "rejected", "Rejected"

    CLOSED = (Status.WON, Status.LOST, Status.RESOLVED, Status.REJECTED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_disputes")
    source = models.CharField(max_length=10, choices=Source.choices)
    subject = models.CharField(max_length=12, choices=Subject.choices, default=Subject.PAYMENT)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes")
    live_class_reference = models.CharField(
        max_length=100, blank=True, help_text="The live class (booking) this is about, when it is about one."
    )
    provider_dispute_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    amount = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    reason = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True, help_text="What the student wrote.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_billing_disputes",
        limit_choices_to=Q(role="staff") | Q(is_superuser=True),
    )
    staff_notes = models.TextField(blank=True, help_text="Internal; never shown to the student.")
    resolution = models.TextField(blank=True, help_text="Sent to the student when the dispute is closed.")
    outcome_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Dispute #{self.pk} · {self.user} · {self.get_status_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED


class LedgerTransaction(models.Model):
    """One balanced movement of money; its entries sum to zero in every currency."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        STRIPE_FEE = "stripe_fee", "Processing fee"
        REFUND = "refund", "Refund"
        DISPUTE_LOST = "dispute_lost", "Dispute lost"

    key = models.CharField(max_length=120, unique=True, help_text="What caused it; one transaction per cause.")
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    description = models.CharField(max_length=200, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    course = models.ForeignKey("courses.CoursePage", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.key}"


class LedgerEntry(models.Model):
    """One leg of a transaction: positive = debit, negative = credit (minor units)."""

    class Account(models.TextChoices):
        # Assets
        PROVIDER_BALANCE = "provider_balance", "Money held at Stripe"
        # Income and its reductions
        PLATFORM_REVENUE = "platform_revenue", "Platform fees (income)"
        # Liabilities
        TEACHER_PAYABLE = "teacher_payable", "Owed to teachers"
        # Expenses
        PROVIDER_FEES = "provider_fees", "Stripe fees (expense)"

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(max_length=20, choices=Account.choices, db_index=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"

    def __str__(self):
        return f"{self.account} {self.amount:+d} {self.currency}"
