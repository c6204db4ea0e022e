import datetime
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError("“%(value)s” is not a time zone we know.", params={"value": value}, code="time_zone")


def validate_image_upload(file) -> None:
    """Size from the upload, type from the bytes themselves (never the name or the browser)."""
    limit = settings.MAX_UPLOAD_IMAGE_BYTES
    if file.size > limit:
        raise ValidationError(
            "This image is %(size)s; the limit is %(limit)s.",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("This file is not an image we can read.", code="not_image") from exc
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError("Please upload a JPEG, PNG, WebP or GIF image.", code="image_type")


def parse_id(value) -> int | None:
    """A database id from request input (a query parameter, a form field, an admin URL), or
    None when it is not one. Only ASCII digits, within a bigint: `str.isdigit` also accepts
    "²", which `int()` then refuses, and a longer run of digits fits no id column."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
        if 0 < number < 2**63:
            return number
    return None


# Dates people may enter: wide enough for any real date, narrow enough that converting one
# between time zones or adding a day or a class length never leaves Python's calendar.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


def validate_calendar_date(value) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            "Choose a date between %(earliest)s and %(latest)s.",
            params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
            code="date_range",
        )
