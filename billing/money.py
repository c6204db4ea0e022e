"""Money as integer minor units: conversions and display. Never floats."""

from decimal import ROUND_HALF_UP, Decimal

from lms.formats import money

# ISO 4217 currencies without minor units (Stripe calls them zero-decimal).
ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


def exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal major units (a course price) → integer minor units, rounded half up."""
    scaled = Decimal(amount) * (10 ** exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_major(amount: int, currency: str) -> Decimal:
    places = exponent(currency)
    return (Decimal(amount) / (10**places)).quantize(Decimal(1).scaleb(-places))


def percent_of(amount: int, percent: Decimal) -> int:
    """`percent`% of `amount` minor units, rounded half up to a whole minor unit."""
    return int((Decimal(amount) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_minor(amount: int, currency: str) -> str:
    """`amount` minor units as the active language writes the currency ("£59", "£12.50"):
    the site's one format, `lms.formats.money`."""
    return money(to_major(amount, currency), currency)
