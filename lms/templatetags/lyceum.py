from django import template

from lms.infra import panels as panel_registry

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot, **kwargs):
    """Render every app's panel for `slot` (see lms/infra/panels.py)."""
    return panel_registry.render_slot(slot, context["request"], page_context=context, **kwargs)
