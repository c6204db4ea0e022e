"""One price format everywhere (lms/formats.py), in the active language's conventions."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from billing.money import format_minor
from lms.formats import money


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en-gb", Decimal("59"), "GBP", "£59"),  # a whole amount: no ".00"
        ("en-gb", Decimal("59.00"), "GBP", "£59"),
        ("en-gb", Decimal("59.5"), "GBP", "£59.50"),  # otherwise the currency's two digits
        ("en-gb", Decimal("1234.5"), "GBP", "£1,234.50"),
        ("en-us", Decimal("59"), "USD", "$59"),
        ("en-us", Decimal("59.99"), "USD", "$59.99"),
        ("en-gb", Decimal("59"), "USD", "US$59"),  # a British reader is told which dollar
        ("es", Decimal("59"), "EUR", "59\xa0€"),  # Spanish: symbol after, non-breaking space
        ("es", Decimal("59.5"), "EUR", "59,50\xa0€"),
        ("de", Decimal("1234.5"), "EUR", "1.234,50\xa0€"),
        ("en-gb", Decimal("1500"), "JPY", "JP¥1,500"),
        ("en-gb", Decimal("-2.5"), "GBP", "-£2.50"),
        ("hi", Decimal("1200"), "INR", "₹1,200"),
        ("hi", Decimal("120000.5"), "INR", "₹1,20,000.50"),  # Indian grouping: lakhs
        # Arabic: the symbol after the amount, a Latin symbol isolated left to right.
        ("ar", Decimal("25"), "GBP", "\u200f25\xa0\u2066UK£\u2069"),
        ("ar", Decimal("25"), "EGP", "\u200f25\xa0ج.م.\u200f"),
    ],
)
def test_money_is_written_as_the_language_writes_it(language, amount, currency, expected):
    with translation.override(language):
        assert money(amount, currency) == expected


def test_an_explicit_language_and_an_unknown_one():
    assert money(Decimal("59"), "EUR", language="es") == "59\xa0€"
    with translation.override("xx"):  # not a language Babel knows: the site's own
        assert money(Decimal("59"), "GBP") == "£59"


def test_minor_units_and_both_template_filters_use_the_same_format():
    assert format_minor(5900, "GBP") == "£59" and format_minor(5950, "GBP") == "£59.50"
    html = Template(
        "{% load lyceum billing_tags %}{{ price|currency:'GBP' }} {{ pence|money:'GBP' }} [{{ none|currency:'GBP' }}]"
    ).render(Context({"price": Decimal("49.00"), "pence": 5900, "none": None}))
    assert html == "£49 £59 []"
    with translation.override("es"):
        assert format_minor(5950, "EUR") == "59,50\xa0€"


@pytest.mark.django_db
def test_the_catalog_course_page_and_plans_write_prices_alike(client, teacher):
    from billing.models import Plan
    from courses.tests.factories import make_course

    course = make_course(teacher, title="Paid Course", price="59.00", modules=0)
    Plan.objects.create(name="All access", slug="all-access", amount=4950, currency="GBP", is_active=True)
    for url in ("/courses/", course.url):
        html = client.get(url).content.decode()
        assert "£59" in html and "59.00" not in html and "GBP" not in html, url
    html = client.get("/billing/plans/").content.decode()
    assert "£49.50" in html and "GBP" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", ["7 Dec 2026", "Mon 7 Dec, 20:00", "20:00"]),
        ("es", ["7 dic 2026", "lun, 7 dic, 20:00", "20:00"]),
        ("hi", ["7 दिस॰ 2026", "सोम, 7 दिस॰, 8:00 pm", "8:00 pm"]),
        ("ar", ["7 ديسمبر 2026", "الاثنين، 7 ديسمبر، 8:00 م", "8:00 م"]),
    ],
)
def test_dates_and_times_in_the_viewer_s_zone_and_language(language, expected):
    import datetime
    import zoneinfo

    from django.utils import timezone

    from lms.formats import when

    moment = datetime.datetime(2026, 12, 7, 14, 30, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")), translation.override(language):
        got = [when(moment, "date"), when(moment, "day_time"), when(moment, "time")]
    assert [text.replace("\u202f", " ").replace("\u200f", "") for text in got] == expected


def test_numbers_in_the_language_s_grouping():
    from lms.formats import number

    assert number(1234567, language="en-gb") == "1,234,567"
    assert number(1234567, language="es") == "1.234.567"
    assert number(1234567, language="hi") == "12,34,567"
