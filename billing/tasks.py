"""Background tasks of billing (django-q2 worker). Each is safe to run twice."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import Receipt
from billing.receipts import receipt_pdf
from lms.i18n import recipient_language


def receipt_email_send(receipt_id: int) -> str:
    """Email the receipt with its PDF attached, at most once; raise so the broker retries."""
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("payment__user", "payment__course", "payment__subscription__plan")
            .get(pk=receipt_id)
        )
        if receipt.emailed_at is not None:
            return "already sent"
        payment = receipt.payment
        context = {"receipt": receipt, "payment": payment, "user": payment.user, "site_url": settings.SITE_URL}
        # Written in the payer's language, whoever's request or worker sends it.
        with recipient_language(payment.user):
            subject = " ".join(render_to_string("billing/emails/receipt_subject.txt", context).split())
            message = EmailMultiAlternatives(
                subject,
                render_to_string("billing/emails/receipt.txt", context),
                settings.DEFAULT_FROM_EMAIL,
                [payment.user.email],
            )
            message.attach_alternative(render_to_string("billing/emails/receipt.html", context), "text/html")
            message.attach(f"receipt-{receipt.reference}.pdf", receipt_pdf(receipt), "application/pdf")
        message.send()
        receipt.emailed_at = timezone.now()
        receipt.save(update_fields=["emailed_at"])
    return "sent"


def subscriptions_expire() -> int:
    from billing.services import subscriptions_expire as expire

    return expire()


def payouts_run() -> int:
    """The daily payout run (Schedule `billing.payouts_run`); safe to run twice, even at once."""
    from billing.payouts import payouts_run as run

    return len(run())


def lessons_tick() -> str:
    """Lesson earnings past their hold become payable; checkouts left unpaid free their slot."""
    from billing import lessons

    return f"released {lessons.earnings_release_due()}, abandoned {lessons.unpaid_checkouts_abandon()}"
