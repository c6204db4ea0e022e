"""The PDF receipt (fpdf2), drawn from the database each time it is needed, in the payer's
language (lms.fonts: the fonts of every script we ship, embedded)."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from billing.models import Receipt
from billing.money import format_minor
from lms.fonts import LocalizedPDF
from lms.formats import number, when
from lms.i18n import recipient_language


def tax_included(amount: int) -> int:
    """The tax inside a tax-inclusive price, in minor units (0 when no tax is configured)."""
    percent = Decimal(settings.BILLING_TAX_PERCENT or 0)
    if not settings.BILLING_TAX_NAME or percent <= 0:
        return 0
    tax = Decimal(amount) * percent / (100 + percent)
    return int(tax.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _line(pdf: LocalizedPDF, height: float, *cells: tuple[float, str, str, str], border: str | int = 0) -> None:
    """One line of cells (width, text, font style, "start" or "end" alignment) in reading
    order: from the left margin, or from the right one in a right-to-left language. A width
    of 0 takes the rest of the line."""
    rest = pdf.epw - sum(width for width, *_ in cells)
    cells = tuple((width or rest, text, style, align) for width, text, style, align in cells)
    pdf.set_x(pdf.l_margin)
    for width, text, style, align in reversed(cells) if pdf.rtl else cells:
        pdf.use_font(style, pdf.font_size_pt)
        pdf.cell(width, height, text, border=border, align=pdf.align_start if align == "start" else pdf.align_end)
    pdf.ln(height)


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt in the payer's language, whoever asks for it (the payer, staff, the worker)."""
    with recipient_language(receipt.payment.user):
        return _draw(receipt)


def _draw(receipt: Receipt) -> bytes:
    payment = receipt.payment
    user = payment.user
    pdf = LocalizedPDF(format="A4")
    pdf.set_title(_("Receipt %(reference)s") % {"reference": receipt.reference})
    pdf.set_author(settings.BILLING_SELLER_NAME)
    pdf.add_page()
    pdf.use_font("B", 20)
    pdf.cell(0, 12, _("Receipt"), align=pdf.align_start, new_x="LMARGIN", new_y="NEXT")
    pdf.use_font("", 10)
    tax_id = settings.BILLING_SELLER_TAX_ID
    for line in [
        pdf.isolate(settings.BILLING_SELLER_NAME),
        *(pdf.isolate(part.strip()) for part in settings.BILLING_SELLER_ADDRESS.split(",") if part.strip()),
        _("Tax number: %(number)s") % {"number": pdf.isolate(tax_id)} if tax_id else "",
    ]:
        if line:
            pdf.cell(0, 5, line, align=pdf.align_start, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    rows = [
        (_("Receipt number"), pdf.isolate(receipt.reference)),
        (_("Date"), when(receipt.issued_at, "long_date")),
        (_("Billed to"), pdf.isolate(f"{user.name} <{user.email}>")),
        (_("Payment"), pdf.isolate(f"#{payment.pk} ({payment.get_provider_display()})")),
    ]
    for label, value in rows:
        _line(pdf, 6, (45, label, "B", "start"), (0, value, "", "start"))
    pdf.ln(6)
    currency = payment.currency
    _line(pdf, 8, (130, _("Description"), "B", "start"), (0, _("Amount"), "B", "end"), border="B")
    price = payment.amount + payment.discount
    _line(pdf, 8, (130, pdf.isolate(payment.description), "", "start"), (0, format_minor(price, currency), "", "end"))
    if payment.discount:
        _line(
            pdf,
            6,
            (130, _("Promotion code"), "", "start"),
            (0, format_minor(-payment.discount, currency), "", "end"),
        )
    tax = tax_included(payment.amount)
    if tax:
        # Translators: A line of the receipt, e.g. "of which VAT at 20% (included)".
        included = _("of which %(tax)s at %(percent)s%% (included)") % {
            "tax": settings.BILLING_TAX_NAME,
            "percent": number(settings.BILLING_TAX_PERCENT),
        }
        _line(pdf, 6, (130, included, "", "start"), (0, format_minor(tax, currency), "", "end"))
    pdf.set_font_size(11)
    _line(
        pdf,
        10,
        (130, _("Total paid"), "B", "start"),
        (0, format_minor(payment.amount, currency), "B", "end"),
        border="T",
    )
    pdf.ln(4)
    pdf.use_font("", 9)
    text = _("Thank you for learning with Lyceum. Keep this receipt for your records.")
    pdf.multi_cell(0, 5, text, align=pdf.align_start)
    return bytes(pdf.output())
