"""What every visitor sees alike, cached once and shared: whole pages for visitors who are not
signed in (the catalog and course pages), and fragments of anyone's pages (a lesson's body, a
course's outline). Nothing personal is ever stored: signed-in pages are rendered for each
request, with their own part read in a query or two.

Every key starts with the **generation**, a number in the shared cache. Any change listed in
`CHANGES` below moves it on, so no entry of the old generation is read again (they expire).
That registry is the one place that says what invalidates the shared caches: a new feature
whose data shows on a cached page or fragment adds its model here, and nowhere else. Keys
also name what they show (a lesson and its revision, a course), so unrelated entries never
collide.

Visitors' pages: the page's model opts in with `share_with_visitors(request, response, page)`
in its `serve()` (never for a page behind a view restriction); `VisitorPageCacheMiddleware`
answers later visitors from the cache before any routing or query. The key holds the host,
the full path, every request header the view selects its response by (`SELECTED_BY`: htmx's
partial and history-restore requests), the visitor's language and time zone;
the response's `Vary` names the same headers. Only GETs of visitors without pending flash
messages are served or stored.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from wagtail.documents import get_document_model_string
from wagtail.images import get_image_model_string
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

GENERATION_KEY = "lms:pagecache:generation"
TIMEOUT = 60 * 5  # also bounds what changes with the clock alone (a class that has ended)
SELECTED_BY = ("HX-Request", "HX-Target", "HX-History-Restore-Request")


# --- What invalidates the shared caches ----------------------------------------------------------


def _teacher_shown(instance, update_fields=None, **kwargs) -> bool:
    # Teachers' names are on course cards and pages; a login's `last_login` save is not.
    return instance.role == "teacher" and set(update_fields or ()) != {"last_login"}


def _verification_changed(instance, update_fields=None, **kwargs) -> bool:
    return update_fields is None or "verified_at" in update_fields


def _seat_in_a_group_class(instance, **kwargs) -> bool:
    # Asked by id: in a cascade the class may go in the same delete.
    classes = instance._meta.get_field("live_class").related_model.objects
    return classes.filter(pk=instance.live_class_id, course__isnull=False).exists()


@dataclass(frozen=True)
class Change:
    signal: Signal
    sender: str | None = None  # "app_label.ModelName"; None for Wagtail's page signals (any page)
    when: Callable[..., bool] | None = None  # given the signal's arguments: does this change show?


CHANGES = (
    # Pages: the catalog, course pages, outlines and lesson bodies show only what is live.
    Change(page_published),
    Change(page_unpublished),  # Wagtail also sends it for a live page being deleted
    Change(post_page_move),
    # What pages show besides their own fields.
    *(
        Change(signal, sender)
        for sender in (
            "wagtailcore.Site",
            "wagtailcore.PageViewRestriction",
            get_image_model_string(),
            get_document_model_string(),
            "courses.Category",
            "lms.TeacherProfile",
            "live.Availability",  # a course page lists the teachers who take bookings
            "billing.Plan",  # the navigation links the plans while one is on sale
            "reviews.Review",  # course pages show their reviews
            "reviews.CourseRating",  # course pages and catalog cards show the rating
        )
        for signal in (post_save, post_delete)
    ),
    Change(post_save, "lms.User", when=_teacher_shown),
    # The Verified badge (tutors.services.verification_grant/revoke saves only `verified_at`).
    Change(post_save, "tutors.Tutor", when=_verification_changed),
    Change(post_delete, "lms.User", when=lambda instance, **kwargs: instance.role == "teacher"),
    # A course page lists its upcoming group classes and their free seats.
    *(
        Change(signal, "live.LiveClass", when=lambda instance, **kwargs: instance.course_id is not None)
        for signal in (post_save, post_delete)
    ),
    *(Change(signal, "live.Participant", when=_seat_in_a_group_class) for signal in (post_save, post_delete)),
)


def connect() -> None:
    """Connect every change in `CHANGES` to `changed` (called once, in LmsConfig.ready)."""
    for number, change in enumerate(CHANGES):
        change.signal.connect(
            _receiver(change), sender=change.sender, weak=False, dispatch_uid=f"lms.infra.pagecache.{number}"
        )


def _receiver(change: Change):
    def receiver(sender=None, **kwargs) -> None:
        if change.when is None or change.when(**kwargs):
            changed()

    return receiver


# --- The generation ------------------------------------------------------------------------------

# Read from the shared cache at most once a second per process (a request may use it several
# times); this process sees its own changes at once, other processes within a second.
_local = {"generation": None, "read_at": 0.0}
GENERATION_LOCAL_TTL = 1.0


def changed() -> None:
    """Something shared caches show changed: start a new generation, now and again when the
    transaction commits (a page rendered in between from the old rows is left behind)."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # Evicted (or never set): restart from the clock, never from a number an older entry carries.
        cache.set(GENERATION_KEY, time.time_ns(), None)
    _local["generation"] = None


def generation() -> int:
    now = time.monotonic()
    if _local["generation"] is not None and now - _local["read_at"] < GENERATION_LOCAL_TTL:
        return _local["generation"]
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        value = cache.get(GENERATION_KEY, 0)
    _local.update(generation=value, read_at=now)
    return value


# --- Shared fragments ----------------------------------------------------------------------------


def shared(name: str, build: Callable):
    """`build()`'s result, shared by every request until the generation moves on. `name` says
    what it shows, e.g. f"lesson-body:{lesson.pk}:{lesson.live_revision_id}". None is not kept."""
    key = f"lms:shared:{generation()}:{translation.get_language()}:{name}"
    found = cache.get(key)
    if found is None:
        found = build()
        if found is not None:
            cache.set(key, found, TIMEOUT)
    return found


def page_at(url_path: str, find: Callable):
    """The page at `url_path` as `find()` reads it, shared: routing reads each level of a URL
    from here rather than from the database. Only a page's live content is in its row (drafts
    are revisions), and publishing, unpublishing or moving any page starts a new generation."""
    return shared(f"page-at:{url_path}", find)


class SharedPageTree:
    """For page models: what Wagtail reads of the page tree on every request, shared.

    Routing: a child is found by its slug through `page_at`, else in one query of its type when
    the page allows one child type (Wagtail's default asks for a generic page, then its type).
    View restrictions: Wagtail asks every page it serves for its own and its ancestors' (two
    queries); the paths of the few restricted pages are shared instead, and a page under none
    of them has none, else Wagtail's own answer."""

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        slug, rest = path_components[0], path_components[1:]
        child = page_at(f"{self.url_path}{slug}/", lambda: self._child_by_slug(slug))
        if child is None:
            raise Http404
        return child.route(request, rest)

    def _child_by_slug(self, slug: str):
        models = self.allowed_subpage_models()
        if len(models) == 1:
            return models[0].objects.child_of(self).filter(slug=slug).first()
        return self.get_children().filter(slug=slug).specific().first()

    def get_view_restrictions(self):
        restricted = shared(
            "restricted-paths", lambda: list(PageViewRestriction.objects.values_list("page__path", flat=True))
        )
        if any(self.path.startswith(path) for path in restricted):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()


# --- Visitors' pages -----------------------------------------------------------------------------


def messages_pending(request) -> bool:
    """Flash messages wait for this request's page (it must be rendered, not served from the cache)."""
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get("_messages"))


def _for_visitor(request) -> bool:
    return request.method == "GET" and not request.user.is_authenticated and not messages_pending(request)


def share_with_visitors(request, response, page):
    """Let the visitors' cache keep `page`'s response to a visitor's request — unless a view
    restriction guards the page (the cache answers before Wagtail checks restrictions)."""
    patch_vary_headers(response, SELECTED_BY)
    if _for_visitor(request) and not page.get_view_restrictions().exists():
        response.shared_with_visitors = True
    return response


def _page_key(request) -> str:
    selected_by = "|".join(request.headers.get(name, "") for name in SELECTED_BY)
    language, zone = translation.get_language(), timezone.get_current_timezone_name()
    variant = f"{request.get_host()}|{request.get_full_path()}|{selected_by}|{language}|{zone}"
    return f"lms:visitor-page:{generation()}:{hashlib.sha256(variant.encode()).hexdigest()[:32]}"


class VisitorPageCacheMiddleware:
    """Answers visitors from the cache; keeps the pages their models share (see the module
    docstring). After the authentication, message and time zone middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _for_visitor(request):
            return self.get_response(request)
        key = _page_key(request)
        found = cache.get(key)
        if found is not None:
            content, content_type = found
            response = HttpResponse(content, content_type=content_type)
            patch_vary_headers(response, SELECTED_BY)
            response["X-Lyceum-Cache"] = "hit"
            return response
        response = self.get_response(request)
        # Not a page whose render queued a flash message either.
        if (
            getattr(response, "shared_with_visitors", False)
            and response.status_code == 200
            and not len(get_messages(request))
        ):
            cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
        return response
