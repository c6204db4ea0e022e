"""How amounts are written, in the active language's conventions (Babel's CLDR data).

One function for every price and amount the site shows — catalog cards, course pages,
plans, checkout, billing history, earnings, receipts, emails, the admin's reports — so a
page never shows "59.00 GBP" beside "£49.00". The template filter is `currency` in
`lms/templatetags/lyceum.py`; billing's `money` filter and `billing.money.format_minor`
(minor units) come here too.
"""

import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, get_currency_symbol
from django.conf import settings
from django.utils import timezone, translation

_FRACTION = re.compile(r"\.0+")


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a Django language code ("en-gb" → en_GB); the active language's by default."""
    return _locale(language or translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


@lru_cache(maxsize=64)
def _whole_pattern(locale: Locale) -> str:
    # The locale's own currency pattern (symbol, spacing, grouping, sign) without its fraction.
    return _FRACTION.sub("", locale.currency_formats["standard"].pattern)


def money(amount: Decimal | int | str, currency: str, *, language: str | None = None) -> str:
    """`amount` (major units: pounds, not pence) of `currency` as the language writes it:
    a whole amount without decimals ("£59", "59 €"), any other with the currency's own
    digits ("£59.50", "59,50 €")."""
    amount = Decimal(amount)
    currency = (currency or "").upper()
    locale = babel_locale(language)
    if amount == amount.to_integral_value():
        text = format_currency(amount, currency, format=_whole_pattern(locale), locale=locale, currency_digits=False)
    else:
        text = format_currency(amount, currency, locale=locale)
    if locale.text_direction == "rtl":
        # A Latin symbol ("UK£") in right-to-left text is reordered by the bidi algorithm
        # ("£UK"): isolate it, left to right.
        symbol = get_currency_symbol(currency, locale=locale)
        if any(char.isascii() and char.isalpha() for char in symbol):
            text = text.replace(symbol, f"\u2066{symbol}\u2069")
    return text


# `when()`'s styles: a CLDR skeleton for the date (each language orders and spells it its own
# way: "Mon 7 Dec", "lun, 7 dic", "सोम, 7 दिस॰", "الاثنين، ٧ ديسمبر"), and whether the time follows.
WHEN_STYLES = {
    "date": ("yMMMd", False),  # 7 Dec 2026
    "long_date": ("yMMMMd", False),  # 7 December 2026
    "short_date": ("MMMd", False),  # 7 Dec
    "day": ("MMMEd", False),  # Mon 7 Dec
    "long_day": ("MMMMEEEEd", False),  # Monday 7 December
    "day_year": ("yMMMEd", False),  # Mon 7 Dec 2026
    "datetime": ("yMMMd", True),  # 7 Dec 2026, 14:30
    "short_datetime": ("MMMd", True),  # 7 Dec, 14:30
    "day_time": ("MMMEd", True),  # Mon 7 Dec, 14:30
    "long_day_time": ("MMMMEEEEd", True),  # Monday 7 December, 14:30
    "day_year_time": ("yMMMEd", True),  # Mon 7 Dec 2026, 14:30
    "time": (None, True),  # 14:30
}


def when(value, style: str = "datetime", *, language: str | None = None) -> str:
    """A date or an aware datetime as the viewer reads it: in the active time zone (the
    viewer's), in the active language's conventions. The one formatter for templates
    (the `when` filter), emails, notifications, PDFs, calendar invitations and the API."""
    if value in (None, ""):
        return ""
    skeleton, with_time = WHEN_STYLES[style]
    locale = babel_locale(language)
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    if not with_time:
        return format_skeleton(skeleton, value, locale=locale)
    time = format_time(value, "short", tzinfo=value.tzinfo, locale=locale)
    if skeleton is None:
        return time
    day = format_skeleton(skeleton, value, tzinfo=value.tzinfo, locale=locale)
    return locale.datetime_formats["medium"].format(time, day)


def number(value, *, language: str | None = None) -> str:
    """A number with the language's digits, grouping and decimal sign ("1,234.5", "1.234,5")."""
    return format_decimal(value, locale=babel_locale(language))
