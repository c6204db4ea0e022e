"""Wagtail admin integration: private course files and course authoring defaults."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.models import Page, ReferenceIndex

from courses import selectors
from courses.models import CoursePage, LessonPage


def document_allowed(*, user, document) -> bool:
    """A document is served to staff and its uploader; otherwise only through a page that uses
    it: any non-course page makes it public, a lesson needs access to that lesson.
    A document no page uses is private (e.g. an attachment of an unpublished draft)."""
    if user.is_authenticated and (user.is_platform_staff or document.uploaded_by_user_id == user.pk):
        return True
    page_ids = {
        int(ref.object_id)
        for ref in ReferenceIndex.get_references_to(document).filter(
            base_content_type__app_label="wagtailcore", base_content_type__model="page"
        )
        if str(ref.object_id).isdigit()
    }
    if not page_ids:
        return False
    pages = Page.objects.filter(pk__in=page_ids, live=True).specific(defer=True)
    for page in pages:
        if isinstance(page, LessonPage):
            course = selectors.course_for_lesson(page)
            if course is not None and course.live and selectors.lesson_access(user=user, lesson=page, course=course):
                return True
        elif isinstance(page, CoursePage):
            # A course's own description is public.
            return True
        elif not page.url_path.startswith(_catalog_url_path()):
            return True
    return False


def _catalog_url_path() -> str:
    catalog = selectors.catalog_index()
    return catalog.url_path if catalog else "/\0"


@hooks.register("before_serve_document")
def protect_course_documents(document, request):
    if document_allowed(user=request.user, document=document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("Enroll in the course to download this file.")
