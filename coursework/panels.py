"""Coursework's part of the shared dashboards (registered in CourseworkConfig.ready)."""

from coursework import selectors


def student_dashboard(request) -> dict | None:
    if not request.user.is_student:
        return None
    items = selectors.up_next(user=request.user)
    return {"up_next": items} if items else None
