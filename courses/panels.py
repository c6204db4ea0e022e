"""The courses app's parts of the shared dashboards and the home page (registered in CoursesConfig.ready)."""

from courses import selectors
from courses.models import CoursePage


def student_dashboard(request) -> dict | None:
    user = request.user
    return {
        "progress": selectors.student_progress(user=user),
        "certificates": selectors.student_certificates(user=user),
    }


def teacher_dashboard(request) -> dict | None:
    return {"taught_courses": selectors.teacher_courses(user=request.user)}


def home_courses(request, *, courses, heading: str = "", hero: bool = False, exclude=()) -> dict | None:
    """The home page's featured courses (pages or ids, in the editor's order) as catalog cards;
    those no longer published, and those in `exclude` (the one the hero shows), are left out.
    In the hero: the first one alone."""
    ids = [getattr(course, "pk", course) for course in courses if course]
    ids = [pk for pk in ids if pk not in set(exclude or ())]
    found = CoursePage.objects.cards().in_bulk(ids)
    cards = [found[pk] for pk in dict.fromkeys(ids) if pk in found]
    if not cards:
        return None
    return {"courses": cards[:1] if hero else cards, "heading": heading, "hero": hero}
