"""The courses app's parts of the shared dashboards (registered in CoursesConfig.ready)."""

from courses import selectors


def student_dashboard(request) -> dict | None:
    user = request.user
    return {
        "progress": selectors.student_progress(user=user),
        "certificates": selectors.student_certificates(user=user),
    }


def teacher_dashboard(request) -> dict | None:
    return {"taught_courses": selectors.teacher_courses(user=request.user)}
