"""Payouts to teachers through Stripe Connect: the services (writes) of that part of billing.

A teacher onboards to a Connect Express account from their earnings page; the worker's
`billing.payouts_run` schedule then pays each onboarded teacher's payable balance (the
ledger account `teacher_payable`, per currency) once it reaches BILLING_PAYOUT_MINIMUM:

    payout      teacher_payable +B (the debt is paid), provider_balance −B
    failed or reversed: the same legs the other way round, once per cause

The payout row and its ledger transaction commit together while the teacher's payout
account is locked, under an idempotency key made of the teacher, the currency and the last
ledger entry paid, so the same earnings are never paid twice, however many workers run.
The transfer then goes to Stripe with that key: a retry after a timeout finds the first
transfer instead of making a second. Kept apart from services.py (course sales,
subscriptions), which it only reads through the ledger.
"""

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import gateway, ledger
from billing.exceptions import BillingError, EventParked, GatewayError
from billing.ledger import Account, Leg
from billing.models import LedgerEntry, LedgerTransaction, Payout, PayoutAccount
from billing.money import format_minor
from lms.models import Role, User
from lms.services import notify

logger = logging.getLogger(__name__)

_lazy_money = lazy(format_minor, str)


def _require_teacher(user: User) -> None:
    if user.role != Role.TEACHER:
        raise BillingError(_("Only teachers receive payouts."))


# --- Onboarding -------------------------------------------------------------------------


def payout_account_start(*, teacher: User, base_url: str) -> str:
    """Create the teacher's Connect account (once) and return the provider's onboarding URL."""
    _require_teacher(teacher)
    account = PayoutAccount.objects.filter(teacher=teacher).first()
    if account is None:
        # The provider's idempotency key (per teacher) makes a double click one account.
        account_id = gateway.connect_account_create(teacher_id=teacher.pk, email=teacher.email)
        try:
            with transaction.atomic():
                account, _created = PayoutAccount.objects.get_or_create(
                    teacher=teacher, defaults={"provider_account_id": account_id}
                )
        except IntegrityError:
            account = PayoutAccount.objects.get(teacher=teacher)
    return gateway.connect_onboarding_link(
        account_id=account.provider_account_id,
        return_url=base_url + reverse("billing:payouts_return"),
        refresh_url=base_url + reverse("billing:payouts_refresh"),
    )


def payout_account_link(*, teacher: User, base_url: str) -> str | None:
    """A fresh onboarding URL for an existing account (the last one expired); None without one."""
    _require_teacher(teacher)
    if not PayoutAccount.objects.filter(teacher=teacher).exists():
        return None
    return payout_account_start(teacher=teacher, base_url=base_url)


def _status_apply(*, account_id: str, details_submitted: bool, payouts_enabled: bool, as_of) -> PayoutAccount | None:
    """Record the account's status as the provider reported it at `as_of`, unless we already
    hold a newer report (events arrive out of order)."""
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().filter(provider_account_id=account_id).first()
        if account is None:
            return None
        if account.status_as_of and as_of < account.status_as_of:
            return account
        account.details_submitted = details_submitted
        account.payouts_enabled = payouts_enabled
        account.status_as_of = as_of
        account.save(update_fields=["details_submitted", "payouts_enabled", "status_as_of", "updated_at"])
        return account


def payout_account_refresh(*, teacher: User) -> PayoutAccount | None:
    """Ask the provider how the teacher's onboarding stands (on their return from it)."""
    _require_teacher(teacher)
    account = PayoutAccount.objects.filter(teacher=teacher).first()
    if account is None:
        return None
    status = gateway.connect_account_status(account_id=account.provider_account_id)
    if status is None:  # the test provider: its onboarding page already sent the event
        return account
    return _status_apply(
        account_id=account.provider_account_id,
        details_submitted=status.details_submitted,
        payouts_enabled=status.payouts_enabled,
        as_of=timezone.now(),
    )


def payout_account_sync(*, data: dict, created: int) -> PayoutAccount | None:
    """Apply an `account.updated` event (its `created` time orders it against others)."""
    as_of = datetime.fromtimestamp(int(created), tz=UTC)
    account = _status_apply(
        account_id=data.get("id") or "",
        details_submitted=bool(data.get("details_submitted")),
        payouts_enabled=bool(data.get("payouts_enabled")),
        as_of=as_of,
    )
    if account is None and (data.get("metadata") or {}).get("teacher_id"):
        # Ours, but its row is not committed yet (the event beat our own request): later.
        raise EventParked(f"Payout account {data.get('id')} not recorded yet.")
    return account


# --- Payouts ----------------------------------------------------------------------------


def _payable(*, teacher_id: int, currency: str) -> tuple[int, int | None]:
    """(what the platform owes the teacher in `currency`, the last ledger entry counted)."""
    row = LedgerEntry.objects.filter(
        account=Account.TEACHER_PAYABLE, teacher_id=teacher_id, currency=currency
    ).aggregate(total=Sum("amount"), last=Max("id"))
    return -(row["total"] or 0), row["last"]


def payout_create(*, account: PayoutAccount, currency: str) -> Payout | None:
    """Set aside the teacher's whole payable balance in `currency` as a pending payout,
    if it is at least the minimum; None if there is nothing to pay."""
    currency = currency.upper()
    with transaction.atomic():
        # The lock orders concurrent runs: the second reads the balance after the first's payout.
        account = PayoutAccount.objects.select_for_update().select_related("teacher").get(pk=account.pk)
        if not account.ready:
            return None
        amount, last_entry = _payable(teacher_id=account.teacher_id, currency=currency)
        if amount < settings.BILLING_PAYOUT_MINIMUM:
            return None
        key = f"payout-{account.teacher_id}-{currency}-{last_entry}"
        payout, created = Payout.objects.get_or_create(
            idempotency_key=key,
            defaults={"teacher": account.teacher, "account": account, "amount": amount, "currency": currency},
        )
        if not created:
            return None
        ledger.transaction_record(
            key=f"payout:{payout.pk}",
            kind=LedgerTransaction.Kind.PAYOUT,
            legs=[
                Leg(Account.TEACHER_PAYABLE, amount, currency, account.teacher),
                Leg(Account.PROVIDER_BALANCE, -amount, currency),
            ],
            teacher=account.teacher,
            description=format_lazy(gettext_lazy("Payout #{number}"), number=payout.pk),
        )
        return payout


def _give_back(*, payout: Payout, amount: int, key: str) -> None:
    """Owe the teacher `amount` of a payout again (it failed or came back)."""
    ledger.transaction_record(
        key=key,
        kind=LedgerTransaction.Kind.PAYOUT_REVERSAL,
        legs=[
            Leg(Account.TEACHER_PAYABLE, -amount, payout.currency, payout.teacher),
            Leg(Account.PROVIDER_BALANCE, amount, payout.currency),
        ],
        teacher=payout.teacher,
        description=format_lazy(gettext_lazy("Payout #{number} returned"), number=payout.pk),
    )


def payout_transfer(*, payout_id: int) -> Payout:
    """Send a pending payout to the teacher's connected account (again, safely, after a timeout)."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update(of=("self",)).select_related("account", "teacher").get(pk=payout_id)
        if payout.status != Payout.Status.PENDING:
            return payout
        try:
            transfer_id = gateway.transfer_create(
                account_id=payout.account.provider_account_id,
                amount=payout.amount,
                currency=payout.currency,
                idempotency_key=payout.idempotency_key,
                payout_id=payout.pk,
                description=f"Lyceum payout #{payout.pk}",
            )
        except gateway.TransferRefused as exc:
            payout.status = Payout.Status.FAILED
            payout.failure_message = str(exc)[:300]
            payout.save(update_fields=["status", "failure_message"])
            _give_back(payout=payout, amount=payout.amount, key=f"payout-failed:{payout.pk}")
            notify(
                user=payout.teacher,
                kind="billing",
                title=format_lazy(
                    gettext_lazy("Your payout of {amount} failed"), amount=_lazy_money(payout.amount, payout.currency)
                ),
                body=gettext_lazy("The money stays in your balance; check your payout details with Stripe."),
                url=reverse("billing:earnings"),
            )
            return payout
        except GatewayError as exc:
            # Unknown outcome (timeout, 5xx): stays pending; the next run retries with the same key.
            logger.warning("Payout #%s: transfer not confirmed, will retry: %s", payout.pk, exc)
            payout.failure_message = str(exc)[:300]
            payout.save(update_fields=["failure_message"])
            return payout
        payout.status = Payout.Status.PAID
        payout.provider_transfer_id = transfer_id
        payout.paid_at = timezone.now()
        payout.failure_message = ""
        payout.save(update_fields=["status", "provider_transfer_id", "paid_at", "failure_message"])
        notify(
            user=payout.teacher,
            kind="billing",
            title=format_lazy(
                gettext_lazy("Payout of {amount} sent"), amount=_lazy_money(payout.amount, payout.currency)
            ),
            body=gettext_lazy("It is on its way to your Stripe account, which pays it into your bank."),
            url=reverse("billing:earnings"),
        )
        return payout


def payouts_run(*, teacher: User | None = None) -> list[Payout]:
    """Pay every onboarded teacher (or one) what they are owed; retry unconfirmed transfers first."""
    pending = Payout.objects.filter(status=Payout.Status.PENDING)
    accounts = PayoutAccount.objects.filter(details_submitted=True, payouts_enabled=True)
    if teacher is not None:
        pending, accounts = pending.filter(teacher=teacher), accounts.filter(teacher=teacher)
    done = [payout_transfer(payout_id=pk) for pk in pending.values_list("pk", flat=True)]
    for account in accounts:
        currencies = (
            LedgerEntry.objects.filter(account=Account.TEACHER_PAYABLE, teacher_id=account.teacher_id)
            .values_list("currency", flat=True)
            .distinct()
            .order_by("currency")
        )
        for currency in currencies:
            payout = payout_create(account=account, currency=currency)
            if payout is not None:
                done.append(payout_transfer(payout_id=payout.pk))
    return done


def bank_payout_failed(*, account_id: str, data: dict) -> PayoutAccount | None:
    """Stripe could not pay a teacher's connected balance into their bank (`payout.failed` on
    their account). Our transfer stands and the money waits in their Stripe balance; the
    teacher is told to fix their bank details, with the link to do it."""
    account = PayoutAccount.objects.select_related("teacher").filter(provider_account_id=account_id or "-").first()
    if account is None:
        return None  # not one of our teachers
    amount, currency = int(data.get("amount") or 0), (data.get("currency") or "").upper()
    notify(
        user=account.teacher,
        kind="billing",
        title=format_lazy(gettext_lazy("Your bank refused a payout of {amount}"), amount=_lazy_money(amount, currency)),
        body=gettext_lazy(
            "The money is safe in your Stripe balance. Check your bank details from your earnings page; "
            "Stripe pays it out again once they are right."
        ),
        url=reverse("billing:earnings"),
    )
    return account


def payout_reversal_sync(*, data: dict) -> Payout | None:
    """Apply a `transfer.reversed` (or `transfer.updated`) event: the teacher is owed the
    reversed part again, once; an older event with less reversed changes nothing."""
    payout = Payout.objects.filter(provider_transfer_id=data.get("id") or "").first()
    if payout is None:
        raw = (data.get("metadata") or {}).get("payout_id")
        payout = Payout.objects.filter(pk=int(raw)).first() if raw and str(raw).isdigit() else None
        if payout is not None and payout.status == Payout.Status.PENDING:
            raise EventParked(f"Payout #{payout.pk} has no confirmed transfer yet.")
        if payout is None:
            return None  # not one of ours
    with transaction.atomic():
        payout = Payout.objects.select_for_update(of=("self",)).select_related("teacher").get(pk=payout.pk)
        reversed_total = min(int(data.get("amount_reversed") or 0), payout.amount)
        added = reversed_total - payout.amount_reversed
        if added <= 0 or payout.status == Payout.Status.FAILED:
            return payout
        _give_back(payout=payout, amount=added, key=f"payout-reversal:{payout.pk}:{reversed_total}")
        payout.amount_reversed = reversed_total
        payout.status = Payout.Status.REVERSED
        payout.save(update_fields=["amount_reversed", "status"])
        notify(
            user=payout.teacher,
            kind="billing",
            title=format_lazy(
                gettext_lazy("{amount} of your payout came back"), amount=_lazy_money(added, payout.currency)
            ),
            body=gettext_lazy("It is in your payable balance again and goes out with the next payout."),
            url=reverse("billing:earnings"),
        )
        return payout
