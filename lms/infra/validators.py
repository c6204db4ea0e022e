import contextlib
import datetime
import importlib.resources
import zoneinfo
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


@cache
def _time_zone_links() -> dict[str, str]:
    """Old names of zones and the names they now go by ("Asia/Calcutta" → "Asia/Kolkata"),
    from the "L <zone> <old name>" lines of the IANA database's tzdata.zi."""
    candidates = [Path(root) / "tzdata.zi" for root in zoneinfo.TZPATH]
    with contextlib.suppress(ModuleNotFoundError):  # the tzdata package zoneinfo falls back on
        candidates.append(importlib.resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi"))
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        return {parts[2]: parts[1] for line in text.splitlines() if (parts := line.split())[:1] == ["L"]}
    return {}


def canonical_time_zone(name: str) -> str:
    """The zone's current IANA name: browsers may report an old one (Chromium says
    "Asia/Calcutta" for "Asia/Kolkata")."""
    links = _time_zone_links()
    seen = {name}
    while name in links and links[name] not in seen:  # a link to a link
        name = links[name]
        seen.add(name)
    return name


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(_("“%(value)s” is not a time zone we know."), params={"value": value}, code="time_zone")


def validate_image_upload(file) -> None:
    """Size from the upload, type from the bytes themselves (never the name or the browser)."""
    limit = settings.MAX_UPLOAD_IMAGE_BYTES
    if file.size > limit:
        raise ValidationError(
            _("This image is %(size)s; the limit is %(limit)s."),
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("This file is not an image we can read."), code="not_image") from exc
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG, WebP or GIF image."), code="image_type")


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
            _("Choose a date between %(earliest)s and %(latest)s."),
            params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
            code="date_range",
        )
