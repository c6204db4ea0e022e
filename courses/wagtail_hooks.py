"""Wagtail admin integration: private course files and course authoring defaults."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.documents import get_document_model, get_document_model_string
from wagtail.images import get_image_model, get_image_model_string
from wagtail.models import Page, ReferenceIndex
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses import selectors
from courses.models import CoursePage, LessonPage

# --- Who may choose which file --------------------------------------------------------------


class OwnFilesPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's rules for images and documents, with "choose" narrowed: a file may be chosen
    by whoever uploaded it, or by those who may change it (staff, or anyone given "change" on
    its collection) — not by every teacher, whose "choose" permission covers the collection
    all teachers upload into. The choosers, their "chosen" views, the listings and the edit
    views all ask this policy (Wagtail's policy registry)."""

    def _superuser(self, user) -> bool:
        return user.is_active and user.is_superuser

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if "choose" not in actions or self._superuser(user):
            return super().user_has_any_permission_for_instance(user, actions, instance)
        others = set(actions) - {"choose"}
        if others and super().user_has_any_permission_for_instance(user, others, instance):
            return True
        owner_id = getattr(instance, f"{self.owner_field_name}_id")
        return super().user_has_any_permission_for_instance(user, ["choose"], instance) and (
            (owner_id is not None and owner_id == user.pk)
            or super().user_has_any_permission_for_instance(user, ["change"], instance)
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if "choose" not in actions or self._superuser(user):
            return super().instances_user_has_any_permission_for(user, actions)
        changeable = super().instances_user_has_any_permission_for(user, ["change"])
        choosable = (
            super()
            .instances_user_has_any_permission_for(user, ["choose"])
            .filter(Q(**{self.owner_field_name: user.pk}) | Q(pk__in=changeable.values("pk")))
        )
        others = [action for action in actions if action != "choose"]
        return choosable | super().instances_user_has_any_permission_for(user, others) if others else choosable


# For the exact models: that entry wins over the one wagtail.documents and wagtail.images
# register for their base classes, whichever app is ready first.
register_permission_policy(
    get_document_model(),
    OwnFilesPermissionPolicy(
        get_document_model_string(), auth_model="wagtaildocs.Document", owner_field_name="uploaded_by_user"
    ),
    exact_class=True,
)
register_permission_policy(
    get_image_model(),
    OwnFilesPermissionPolicy(
        get_image_model_string(), auth_model="wagtailimages.Image", owner_field_name="uploaded_by_user"
    ),
    exact_class=True,
)


# --- Serving course files -------------------------------------------------------------------


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
    raise PermissionDenied(_("Enroll in the course to download this file."))
