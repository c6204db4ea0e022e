"""Reads of the billing app: a student's history, a teacher's earnings, revenue reports."""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from babel.dates import format_skeleton
from django.conf import settings
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.models import Schedule

from billing.models import (
    Dispute,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Payout,
    PayoutAccount,
    Plan,
    Receipt,
    Refund,
    Subscription,
)
from lms.formats import babel_locale, when

Account = LedgerEntry.Account
Kind = LedgerTransaction.Kind


def payment_for_user(*, user, payment_id: int) -> Payment | None:
    return Payment.objects.filter(pk=payment_id, user=user).select_related("course").first()


def receipt_for_viewer(*, user, number: int) -> Receipt | None:
    """A receipt its payer — or platform staff — may download; None for anyone else."""
    receipt = Receipt.objects.select_related("payment__user", "payment__course", "payment__subscription__plan")
    receipt = receipt.filter(number=number).first()
    if receipt is None:
        return None
    if receipt.payment.user_id == user.pk or user.is_platform_staff:
        return receipt
    return None


def payments_of(*, user) -> QuerySet[Payment]:
    """What a person paid, or tried to (checkouts left open or cancelled are not shown), newest first."""
    return (
        Payment.objects.filter(user=user)
        .exclude(status__in=[Payment.Status.PENDING, Payment.Status.CANCELLED])
        .select_related("course", "subscription__plan", "receipt", "teacher")
    )


def student_history(*, user) -> dict:
    return {
        "payments": list(payments_of(user=user)),
        "refunds": list(Refund.objects.filter(payment__user=user).select_related("payment__course")),
        "disputes": list(Dispute.objects.filter(user=user).select_related("payment__course")),
        "subscriptions": list(Subscription.objects.filter(user=user).select_related("plan")),
    }


def recent_payments(*, user, limit: int = 3) -> list[Payment]:
    """The latest payments; their course titles and plans are read only when there are some
    (a join with the whole course page cost more than the payments themselves)."""
    from courses.models import CoursePage

    return list(
        Payment.objects.filter(user=user, status__in=[*Payment.REFUNDABLE, Payment.Status.REFUNDED]).prefetch_related(
            Prefetch("course", queryset=CoursePage.objects.only("title")), "subscription__plan"
        )[:limit]
    )


def active_plans():
    return Plan.objects.filter(is_active=True).prefetch_related("courses")


# --- Money summaries from the ledger ----------------------------------------------------


def _sums():
    return {
        "gross": Sum(
            Case(
                When(Q(account=Account.PROVIDER_BALANCE, transaction__kind=Kind.PAYMENT), then="amount"),
                default=0,
                output_field=IntegerField(),
            )
        ),
        "refunds": Sum(
            Case(
                When(
                    Q(account=Account.PROVIDER_BALANCE, transaction__kind__in=[Kind.REFUND, Kind.DISPUTE_LOST]),
                    then=-F("amount"),
                ),
                default=0,
                output_field=IntegerField(),
            )
        ),
        "fees": Sum(Case(When(account=Account.PROVIDER_FEES, then="amount"), default=0, output_field=IntegerField())),
        "teacher_share": Sum(
            Case(When(account=Account.TEACHER_PAYABLE, then=-F("amount")), default=0, output_field=IntegerField())
        ),
        "platform_fees": Sum(
            Case(When(account=Account.PLATFORM_REVENUE, then=-F("amount")), default=0, output_field=IntegerField())
        ),
    }


@dataclass
class ReportRow:
    key: object
    label: str
    currency: str
    gross: int = 0
    refunds: int = 0
    fees: int = 0
    teacher_share: int = 0
    platform_fees: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunds - self.fees

    @property
    def platform_net(self) -> int:
        return self.platform_fees - self.fees


@dataclass
class Report:
    group: str
    start: dt.date
    end: dt.date
    rows: list[ReportRow] = field(default_factory=list)
    totals: list[ReportRow] = field(default_factory=list)


GROUPS = {
    "day": gettext_lazy("Day"),
    "month": gettext_lazy("Month"),
    "course": gettext_lazy("Course"),
    "teacher": gettext_lazy("Teacher"),
}


def _day_bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def revenue_report(*, start: dt.date, end: dt.date, group: str = "day", teacher=None) -> Report:
    """Gross, refunds, fees and net from the ledger, grouped by day, month, course or teacher."""
    if group not in GROUPS:
        group = "day"
    lower, upper = _day_bounds(start, end)
    entries = LedgerEntry.objects.filter(transaction__occurred_at__gte=lower, transaction__occurred_at__lt=upper)
    if teacher is not None:
        entries = entries.filter(transaction__teacher=teacher)
    if group == "day":
        keyed = entries.annotate(key=TruncDay("transaction__occurred_at"))
    elif group == "month":
        keyed = entries.annotate(key=TruncMonth("transaction__occurred_at"))
    elif group == "course":
        keyed = entries.annotate(key=F("transaction__course_id"))
    else:
        keyed = entries.annotate(key=F("transaction__teacher_id"))
    rows = keyed.values("key", "currency").annotate(**_sums()).order_by("key", "currency")
    labels = _labels(group, {row["key"] for row in rows})
    report = Report(group=group, start=start, end=end)
    totals: dict[str, ReportRow] = {}
    for row in rows:
        values = {k: row[k] or 0 for k in ("gross", "refunds", "fees", "teacher_share", "platform_fees")}
        report.rows.append(
            ReportRow(key=row["key"], label=labels.get(row["key"], "—"), currency=row["currency"], **values)
        )
        total = totals.setdefault(row["currency"], ReportRow(key=None, label=_("Total"), currency=row["currency"]))
        for k, v in values.items():
            setattr(total, k, getattr(total, k) + v)
    if group in ("course", "teacher"):
        report.rows.sort(key=lambda r: (-r.gross, r.label))
    report.totals = list(totals.values())
    return report


def _labels(group: str, keys: set) -> dict:
    if group == "day":
        return {k: when(k, "date") if k else "—" for k in keys}
    if group == "month":
        return {k: format_skeleton("yMMMM", timezone.localtime(k), locale=babel_locale()) if k else "—" for k in keys}
    if group == "course":
        from courses.models import CoursePage

        labels = dict(CoursePage.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "title"))
        return {k: labels.get(k, _("Subscriptions (no course)")) for k in keys}
    from lms.models import User

    users = {u.pk: u.name for u in User.objects.filter(pk__in=[k for k in keys if k])}
    return {k: users.get(k, _("Platform (subscriptions)")) for k in keys}


def payouts_report(*, start: dt.date, end: dt.date) -> list[dict]:
    """What each teacher earned in the period, and what the platform owes them in total."""
    lower, upper = _day_bounds(start, end)
    period = (
        LedgerEntry.objects.filter(
            account=Account.TEACHER_PAYABLE,
            teacher__isnull=False,
            transaction__occurred_at__gte=lower,
            transaction__occurred_at__lt=upper,
        )
        .values("teacher", "currency")
        .annotate(
            earned=Sum(Case(When(amount__lt=0, then=-F("amount")), default=0, output_field=IntegerField())),
            reversed=Sum(Case(When(amount__gt=0, then="amount"), default=0, output_field=IntegerField())),
        )
    )
    owed = defaultdict(int)
    for row in (
        LedgerEntry.objects.filter(
            account=Account.TEACHER_PAYABLE, teacher__isnull=False, transaction__occurred_at__lt=upper
        )
        .values("teacher", "currency")
        .annotate(total=Sum("amount"))
    ):
        owed[(row["teacher"], row["currency"])] = -row["total"]
    from lms.models import User

    users = {u.pk: u for u in User.objects.filter(pk__in={row["teacher"] for row in period})}
    rows = [
        {
            "teacher": users[row["teacher"]],
            "currency": row["currency"],
            "earned": row["earned"] or 0,
            "reversed": row["reversed"] or 0,
            "net": (row["earned"] or 0) - (row["reversed"] or 0),
            "balance": owed[(row["teacher"], row["currency"])],
        }
        for row in period
    ]
    return sorted(rows, key=lambda r: (r["teacher"].name.lower(), r["currency"]))


def teacher_earnings(*, teacher, start: dt.date, end: dt.date) -> dict:
    """A teacher's own numbers: their sales, refunds, share, and the sales themselves."""
    report = revenue_report(start=start, end=end, group="course", teacher=teacher)
    lower, upper = _day_bounds(start, end)
    sales = list(
        Payment.objects.filter(teacher=teacher, paid_at__gte=lower, paid_at__lt=upper)
        .select_related("course", "user")
        .order_by("-paid_at")[:200]
    )
    return {"report": report, "sales": sales}


def platform_summary(*, days: int = 30) -> dict:
    today = timezone.localdate()
    report = revenue_report(start=today - dt.timedelta(days=days - 1), end=today, group="month")
    open_disputes = Dispute.objects.exclude(status__in=Dispute.CLOSED).count()
    active_subscriptions = Subscription.objects.filter(has_access=True).count()
    return {
        "totals": report.totals,
        "days": days,
        "open_disputes": open_disputes,
        "active_subscriptions": active_subscriptions,
    }


CHART_MAX_BAR = 48  # a bar (its slot) is never wider than this, so one day is one slim bar
CHART_PAD = 8  # the least room at each end
CHART_CHAR = 6  # roughly how wide one character of a 10 px label is


def bar_chart(rows: list[ReportRow], *, width: int = 640, height: int = 180) -> dict:
    """Bars of gross and net per row (one currency), scaled for an inline SVG.

    Bars keep a sensible width whatever the number of rows (one day is one slim bar in the
    middle, not the whole chart); labels are kept inside the drawing and, where they would
    overlap, only every n-th is shown."""
    rows = rows[-40:]
    peak = max([r.gross for r in rows] + [1])
    labels = [r.label if len(r.label) <= 14 else r.label[:13] + "…" for r in rows]
    widest = max([len(label) for label in labels] + [1]) * CHART_CHAR
    pad = max(CHART_PAD, math.ceil(widest / 2))  # the end labels fit inside the drawing
    plot = width - 2 * pad
    slot = min(plot / max(len(rows), 1), CHART_MAX_BAR)
    left = pad + (plot - slot * len(rows)) / 2  # the bars are centred
    top = 10
    every = max(1, math.ceil((widest + 4) / slot))
    bars = []
    for i, (r, label) in enumerate(zip(rows, labels, strict=True)):
        gross_h = round(max(r.gross, 0) / peak * (height - top))
        net_h = round(min(max(r.net, 0), max(r.gross, 0)) / peak * (height - top))
        bars.append(
            {
                "x": round(left + i * slot + 2, 1),
                "w": round(max(slot - 4, 1), 1),
                "gross_y": height - gross_h,
                "gross_h": gross_h,
                "net_y": height - net_h,
                "net_h": net_h,
                "row": r,
                "label_x": round(left + i * slot + slot / 2, 1),
                "label": label,
                "show_label": i % every == 0,
            }
        )
    return {"width": width, "height": height, "label_y": height + 16, "full_height": height + 24, "bars": bars}


def teacher_payouts(*, teacher) -> dict:
    """The payouts part of a teacher's earnings page: their Connect account, what they are
    owed now (per currency), when the next payout run is due, and their payouts so far."""
    payable = [
        {"currency": row["currency"], "amount": -row["total"]}
        for row in LedgerEntry.objects.filter(account=Account.TEACHER_PAYABLE, teacher=teacher)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
        if row["total"]
    ]
    schedule = Schedule.objects.filter(name=Payout.SCHEDULE).only("next_run").first()
    return {
        "payout_account": PayoutAccount.objects.filter(teacher=teacher).first(),
        "payable": payable,
        "payout_minimum": settings.BILLING_PAYOUT_MINIMUM,
        "next_payout_at": schedule.next_run if schedule else None,
        "payouts": list(Payout.objects.filter(teacher=teacher)[:50]),
    }
