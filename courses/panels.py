"""The courses app's parts of the shared dashboards (registered in CoursesConfig.ready)."""

from courses import selectors


def _site_root_path(request) -> str:
    from wagtail.models import Site

    # Cached by Wagtail: no query, unlike `site.root_page`.
    site = Site.find_for_request(request)
    for root in Site.get_site_root_paths():
        if site is None or root.site_id == site.pk:
            return root.root_path
    return "/home/"


def student_dashboard(request) -> dict | None:
    user = request.user
    return {
        "progress": selectors.student_progress(user=user, site_root_path=_site_root_path(request)),
        "certificates": selectors.student_certificates(user=user),
    }


def teacher_dashboard(request) -> dict | None:
    return {"taught_courses": selectors.teacher_courses(user=request.user)}
