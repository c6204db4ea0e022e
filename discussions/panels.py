"""What discussions put on shared pages (registered in DiscussionsConfig.ready)."""

from discussions import selectors
from discussions.forms import ThreadForm


def lesson_page(request, *, lesson, course, has_access: bool) -> dict | None:
    """Below a lesson: its latest questions and a form to ask one (those in the course)."""
    if not has_access or course is None:
        return None
    form = ThreadForm(initial={"lesson": lesson.pk}, auto_id="question_%s")
    return {"questions": selectors.lesson_threads(lesson=lesson), "question_form": form}


def course_page(request, *, course) -> dict | None:
    if not selectors.may_take_part(user=request.user, course=course):
        return None
    return {}
