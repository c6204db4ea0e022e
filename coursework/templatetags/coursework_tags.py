"""A gradebook cell, rendered in Python: a page of the gradebook has thousands of them (50
students × 40 items), where an `{% include %}` each and a fresh number formatting each would be
most of the page's time. The one place a cell's markup is written (the gradebook and the
student's own grades use it)."""

from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from lms import formats

register = template.Library()


@lru_cache(maxsize=8192)
def _percent(value, language: str) -> str:
    """A percentage as the language writes it (a gradebook's cells repeat few values)."""
    return format_html("{} %", formats.number(value, language=language))


@lru_cache(maxsize=64)
def _marks(language: str) -> tuple[str, str, dict[str, str]]:
    """The cell's fixed markup in `language` (not graded, "changed", the notes), translated once
    rather than in every cell."""
    notes = {
        "missing": format_html(' <span class="badge-amber">{}</span>', gettext("Missing")),
        "not released": format_html(' <span class="badge">{}</span>', gettext("Not released")),
    }
    none = format_html('<span aria-hidden="true">—</span><span class="sr-only">{}</span>', gettext("not graded"))
    return none, gettext("changed"), notes


@register.simple_tag
def grade_cell(cell) -> str:
    """A cell's percentage (or a dash, "not graded" for screen readers) and its note."""
    language = translation.get_language()
    none, changed, notes = _marks(language)
    shown = none if cell.percent is None else _percent(cell.percent, language)
    if cell.overridden:
        return shown + format_html(' <span class="badge-amber" title="{}">{}</span>', cell.reason, changed)
    return shown + notes.get(cell.note, SafeString())  # safe + safe stays safe
