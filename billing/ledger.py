"""The double-entry ledger: every movement of money as entries that sum to zero.

Accounts (positive = debit, negative = credit):
- provider_balance  money held at Stripe (asset)
- teacher_payable   what the platform owes a teacher (liability, per teacher)
- platform_revenue  the platform fee (income)
- provider_fees     Stripe's processing fees (expense)

A sale of A with platform fee P (PLATFORM_FEE_PERCENT of A) and teacher share T = A − P:
    payment     provider_balance +A, teacher_payable −T, platform_revenue −P
    stripe_fee  provider_fees +F, provider_balance −F        (the platform bears Stripe's fee)
A refund (or a lost dispute) of R reverses the sale in proportion:
    refund      provider_balance −R, teacher_payable +T·R/A, platform_revenue +the rest
A payout of the teacher's payable balance B to their Stripe Connect account (billing/payouts.py):
    payout      teacher_payable +B, provider_balance −B    (failed/reversed: the other way round)
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation

from billing.exceptions import BillingError
from billing.models import LedgerEntry, LedgerTransaction

Account = LedgerEntry.Account


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int
    currency: str
    teacher: object = None


def transaction_record(
    *,
    key: str,
    kind: str,
    legs: Iterable[Leg],
    payment=None,
    course=None,
    teacher=None,
    description: str = "",
    occurred_at=None,
) -> LedgerTransaction:
    """Record one balanced transaction, once per `key` (a second call returns the first)."""
    legs = [leg for leg in legs if leg.amount]
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int):
            raise BillingError("Ledger amounts are whole minor units.")
        if leg.account not in Account.values:
            raise BillingError(f"Unknown ledger account {leg.account!r}.")
        totals[leg.currency.upper()] += leg.amount
    if any(totals.values()):
        raise BillingError(f"Unbalanced ledger transaction {key}: {dict(totals)}")
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing:
        return existing
    with translation.override(settings.LANGUAGE_CODE):  # a record, not a message: the site's language
        description = str(description)[:200]
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                key=key,
                kind=kind,
                description=description,
                payment=payment,
                course=course,
                teacher=teacher,
                occurred_at=occurred_at or timezone.now(),
            )
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    transaction=txn,
                    account=leg.account,
                    amount=leg.amount,
                    currency=leg.currency.upper(),
                    teacher=leg.teacher,
                )
                for leg in legs
            )
    except IntegrityError:
        return LedgerTransaction.objects.get(key=key)
    return txn


def unbalanced_transactions() -> list[tuple[int, str, int]]:
    """(transaction id, currency, sum) for every transaction that does not sum to zero."""
    rows = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction_id")
    )
    return [(row["transaction_id"], row["currency"], row["total"]) for row in rows]


def assert_balanced() -> None:
    """Raise AssertionError if any ledger transaction in the database is unbalanced.

    The lead can call this at the end of any test (or in a session fixture).
    """
    bad = unbalanced_transactions()
    assert not bad, f"Unbalanced ledger transactions (id, currency, sum): {bad}"


def split(amount: int, teacher_share: int, total: int) -> tuple[int, int]:
    """The teacher's and the platform's part of `amount` when the teacher had `teacher_share` of `total`."""
    if total <= 0:
        return 0, amount
    teacher_part = (amount * teacher_share * 2 + total) // (total * 2)  # rounded half up, integers only
    return teacher_part, amount - teacher_part
