"""Template filters of the live app."""

from django import template

from live import selectors

register = template.Library()


@register.filter
def title_for(live_class, viewer) -> str:
    """`{{ live_class|title_for:user }}`: the class's name as this viewer reads it
    (the teacher sees the student's name, the student the teacher's)."""
    return selectors.class_title_for(live_class=live_class, viewer=viewer)
