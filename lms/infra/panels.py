"""Slots where apps put their part of a shared page, registered in each AppConfig.ready().

The core owns the dashboards, the teacher profile and the navigation; the apps fill
them without the core importing them:

    panels.register("student_dashboard", template="courses/_student_panel.html",
                    context=lambda request: {"enrollments": ...}, order=10)

and the page renders `{% panels "student_dashboard" %}`. A context function returning
None hides its panel (e.g. nothing to show for this user).

Slots: student_dashboard, teacher_dashboard, staff_dashboard (context(request)),
teacher_profile (context(request, teacher=User)), course_page (context(request,
course=CoursePage)), lesson_page (context(request, lesson=LessonPage,
course=CoursePage, has_access=bool); below a lesson), nav (context(request); small links/badges in the main navigation),
and the home page's sections (lms/blocks.py): home_courses (context(request, courses=[pages
or ids], heading=str, hero=bool); course cards), home_classes (context(request, count=int,
heading=str); the next group classes).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

SLOTS = {
    "student_dashboard",
    "teacher_dashboard",
    "staff_dashboard",
    "teacher_profile",
    "course_page",
    "lesson_page",
    "nav",
    "home_courses",
    "home_classes",
}


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict | None]
    order: int


_registry: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}


def register(slot: str, *, template: str, context: Callable[..., dict | None], order: int = 50) -> None:
    if slot not in SLOTS:
        raise ValueError(f"Unknown panel slot {slot!r}; slots are {sorted(SLOTS)}.")
    panel = Panel(template=template, context=context, order=order)
    if panel not in _registry[slot]:
        _registry[slot].append(panel)
        _registry[slot].sort(key=lambda p: p.order)


def render_slot(slot: str, request, *, page_context: Context | None = None, **kwargs) -> SafeString:
    """Every panel of `slot` the request gets. Inside a page (`page_context`, given by the
    `{% panels %}` tag) each is rendered in the page's context, as `{% include %}` would be:
    the context processors ran once for the page, not again for every panel."""
    html = []
    for panel in _registry[slot]:
        context = panel.context(request, **kwargs)
        if context is None:
            continue
        if page_context is None:
            html.append(render_to_string(panel.template, {**kwargs, **context}, request=request))
        else:
            template = page_context.template.engine.get_template(panel.template)
            with page_context.push({**kwargs, **context}):
                html.append(template.render(page_context))
    return mark_safe("".join(html))  # noqa: S308 — rendered by our own templates, autoescaped
