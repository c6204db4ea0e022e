"""The receipt PDF in its payer's language — English, Spanish, Hindi, Arabic — whoever asks
for it, with the fonts of every script embedded and amounts and dates as the payer writes them."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from billing.models import Receipt
from billing.receipts import receipt_pdf
from billing.tasks import receipt_email_send
from billing.tests.test_services import bought
from lms.fonts.tests.pdfs import embedded_fonts, has_script, pdf_text, plain
from lms.formats import money, when
from lms.models import Role
from lms.tests.factories import make_user


@pytest.fixture
def receipt(settings, stripe_stub, course):
    """A £25.00 course bought by a student of the test's language, with 20% VAT included."""
    settings.BILLING_TAX_NAME = "VAT"
    settings.BILLING_TAX_PERCENT = 20

    def buy(language: str) -> Receipt:
        student = make_user(Role.STUDENT, display_name="Sam Student", email="sam@example.com", language=language)
        return Receipt.objects.select_related("payment__user").get(payment=bought(student, course))

    return buy


# The font each language is written in, embedded as a subset (the others only where needed).
FONT = {"en-gb": "NotoSans", "es": "NotoSans", "hi": "NotoSans", "ar": "NotoSansArabic"}


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return plain(gettext(message))


@pytest.mark.parametrize("language", ["en-gb", "es", "hi", "ar"])
def test_receipt_in_the_payers_language(receipt, language):
    receipt = receipt(language)
    pdf = receipt_pdf(receipt)
    text = pdf_text(pdf)
    assert {FONT[language], FONT[language] + "Bold"} <= embedded_fonts(pdf)  # regular and bold
    assert receipt.reference in text and "Sam Student <sam@example.com>" in text
    if language == "hi":
        assert has_script(text, "DEVANAGARI")
        assert plain(money("25", "GBP", language="hi")) in text and plain(money("4.17", "GBP", language="hi")) in text
    elif language == "ar":
        # Shaped Arabic comes out of a reader in visual order and in part as glyph codes:
        # what is sure is the Arabic font (above), Arabic letters, and the amounts' digits.
        assert has_script(text, "ARABIC") and "25" in text and "4.17" in text
    else:
        assert _in(language, "Receipt number") in text and _in(language, "Total paid") in text
        assert plain(when(receipt.issued_at, "long_date", language=language)) in text
        assert plain(money("25", "GBP", language=language)) in text
        assert plain(money("4.17", "GBP", language=language)) in text


@pytest.mark.parametrize(("payer", "staff"), [("en-gb", "es"), ("es", "en-gb")])
def test_staff_download_is_in_the_payers_language_not_theirs(client, receipt, payer, staff):
    receipt = receipt(payer)
    client.force_login(make_user(Role.STAFF, language=staff))
    response = client.get(reverse("billing:receipt_download", args=[receipt.number]), HTTP_ACCEPT_LANGUAGE=staff)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert plain(when(receipt.issued_at, "long_date", language=payer)) in text
    assert plain(when(receipt.issued_at, "long_date", language=staff)) not in text
    assert plain(money("4.17", "GBP", language=payer)) in text
    assert _in(payer, "Total paid") in text


def test_emailed_receipt_is_in_the_payers_language(receipt, mailoutbox):
    receipt = receipt("es")
    with translation.override("en-gb"):  # the worker's language
        receipt_email_send(receipt.pk)
    [(_, pdf, _)] = [attachment for message in mailoutbox for attachment in message.attachments]
    assert plain(when(receipt.issued_at, "long_date", language="es")) in pdf_text(pdf)
