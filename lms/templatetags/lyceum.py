from urllib.parse import unquote

from django import template
from django.conf import settings
from django.utils import translation

from lms import formats, selectors
from lms.formats import money
from lms.infra import panels as panel_registry
from lms.infra.middleware import TIME_ZONE_COOKIE, TIME_ZONE_KEPT_COOKIE

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot, **kwargs):
    """Render every app's panel for `slot` (see lms/infra/panels.py)."""
    return panel_registry.render_slot(slot, context["request"], page_context=context, **kwargs)


@register.inclusion_tag("includes/time_zone_notice.html", takes_context=True)
def time_zone_notice(context):
    """For a signed-in user whose device (the zone cookie static/js/lyceum.js keeps) is in
    another zone than their profile: say so and offer to switch."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    offer = selectors.device_time_zone_offer(
        profile_zone=user.time_zone,
        device_zone=unquote(request.COOKIES.get(TIME_ZONE_COOKIE, "")),
        kept_zone=unquote(request.COOKIES.get(TIME_ZONE_KEPT_COOKIE, "")),
    )
    if offer is None:
        return {}
    return {
        "profile_zone": user.time_zone,
        "device_zone": offer,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def currency(amount, code):
    """`{{ course.price|currency:course.currency }}` → "£59": an amount in major units (a
    Decimal price) in the active language's format (lms/formats.py). Billing's `money`
    filter takes minor units (pence) and writes them the same way."""
    if amount is None or amount == "":
        return ""
    return money(amount, code)


@register.filter
def when(value, style="datetime"):
    """`{{ booking.starts_at|when:"day_time" }}` → "Mon 7 Dec, 14:30" in the viewer's zone and
    language ("lun, 7 dic, 14:30"). Styles: lms.formats.WHEN_STYLES."""
    return formats.when(value, style)


@register.filter
def number(value):
    """`{{ count|number }}`: grouped and with the digits of the viewer's language."""
    if value is None or value == "":
        return ""
    return formats.number(value)


@register.simple_tag
def language_name(code=None):
    """The name settings.LANGUAGES gives a language (each in itself: "Español"), the active one's by default."""
    code = code or translation.get_language()
    return dict(settings.LANGUAGES).get(code, code)


@register.filter
def language_label(code):
    """A content language's name in the viewer's language ("es" → "Spanish", "Español", "स्पेनिश")."""
    return translation.get_language_info(code.split("-")[0])["name_translated"]
