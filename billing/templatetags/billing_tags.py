from django import template

from billing import gateway
from billing.models import Payment, Plan
from billing.money import format_minor
from courses import selectors as course_selectors

register = template.Library()


@register.filter
def money(amount, currency):
    """`{{ payment.amount|money:payment.currency }}` → £12.50"""
    if amount is None:
        return ""
    return format_minor(int(amount), currency)


@register.simple_tag(takes_context=True)
def buy_state(context, course):
    """What the Buy button should say to this viewer about this course."""
    user = context["request"].user
    state = {"owned": False, "pending": None, "plans": [], "payments_configured": gateway.configured()}
    if user.is_authenticated:
        state["owned"] = course_selectors.course_access(user=user, course=course)
        state["pending"] = (
            Payment.objects.filter(user=user, course=course, status=Payment.Status.PENDING)
            .exclude(checkout_session_id=None)
            .first()
        )
    state["plans"] = list(Plan.objects.filter(is_active=True, courses=course))
    return state
