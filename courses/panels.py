"""The courses app's parts of the shared dashboards (registered in CoursesConfig.ready)."""

from courses import cache as page_cache
from courses import selectors
from lms import pagecache


def _site_root_path(request) -> str:
    from wagtail.models import Site

    # Shared per host (courses/cache.py); the root paths are cached by Wagtail.
    site = page_cache.site_for_request(request)
    for root in Site.get_site_root_paths():
        if site is None or root.site_id == site.pk:
            return root.root_path
    return "/home/"


def student_dashboard(request) -> dict | None:
    user = request.user
    root = _site_root_path(request)
    # Cached per user until their enrollments, progress or certificates change (courses/cache.py).
    return pagecache.user_data(
        user.pk,
        f"dashboard:{root}",
        lambda: {
            "progress": selectors.student_progress(user=user, site_root_path=root),
            "certificates": selectors.student_certificates(user=user),
        },
    )


def teacher_dashboard(request) -> dict | None:
    return {"taught_courses": selectors.teacher_courses(user=request.user)}
