"""The PDF receipt (fpdf2), drawn from the database each time it is needed."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from fpdf import FPDF

from billing.models import Receipt
from billing.money import format_minor


def tax_included(amount: int) -> int:
    """The tax inside a tax-inclusive price, in minor units (0 when no tax is configured)."""
    percent = Decimal(settings.BILLING_TAX_PERCENT or 0)
    if not settings.BILLING_TAX_NAME or percent <= 0:
        return 0
    tax = Decimal(amount) * percent / (100 + percent)
    return int(tax.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _text(value: str) -> str:
    # The core fonts are Latin-1: show the pound sign, replace what they cannot draw.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(receipt: Receipt) -> bytes:
    payment = receipt.payment
    user = payment.user
    pdf = FPDF(format="A4")
    pdf.set_title(f"Receipt {receipt.reference}")
    pdf.set_author(settings.BILLING_SELLER_NAME)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, _text("Receipt"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in [
        settings.BILLING_SELLER_NAME,
        *settings.BILLING_SELLER_ADDRESS.split(","),
        f"Tax number: {settings.BILLING_SELLER_TAX_ID}" if settings.BILLING_SELLER_TAX_ID else "",
    ]:
        if line.strip():
            pdf.cell(0, 5, _text(line.strip()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    issued = receipt.issued_at
    rows = [
        ("Receipt number", receipt.reference),
        ("Date", f"{issued:%d %B %Y}"),
        ("Billed to", f"{user.name} <{user.email}>"),
        ("Payment", f"#{payment.pk} ({payment.get_provider_display()})"),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(45, 6, _text(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(130, 8, "Description", border="B")
    pdf.cell(0, 8, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(130, 8, _text(payment.description))
    price = payment.amount + payment.discount
    pdf.cell(0, 8, _text(format_minor(price, payment.currency)), align="R", new_x="LMARGIN", new_y="NEXT")
    if payment.discount:
        pdf.cell(130, 6, "Promotion code")
        pdf.cell(
            0, 6, _text(format_minor(-payment.discount, payment.currency)), align="R", new_x="LMARGIN", new_y="NEXT"
        )
    tax = tax_included(payment.amount)
    if tax:
        pdf.cell(130, 6, _text(f"of which {settings.BILLING_TAX_NAME} at {settings.BILLING_TAX_PERCENT}% (included)"))
        pdf.cell(0, 6, _text(format_minor(tax, payment.currency)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(130, 10, "Total paid", border="T")
    pdf.cell(0, 10, _text(format_minor(payment.amount, payment.currency)), border="T", align="R")
    pdf.ln(14)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _text("Thank you for learning with Lyceum. Keep this receipt for your records."))
    return bytes(pdf.output())
