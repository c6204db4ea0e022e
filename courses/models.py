"""Courses: the page tree editors write, and the records the system keeps about learners.

Pages (written in the Wagtail admin, served by Wagtail): CourseIndexPage (the catalog at
/courses/) → CoursePage → ModulePage → LessonPage. Each page builds what its template shows
in `get_context()`; `serve()` adds what only a live request does (a locked lesson's 403, the
"last lesson opened" bookmark, sharing visitors' pages with the cache of lms/infra/pagecache.py).
Snippet: Category. Records (never pages): Enrollment, LessonProgress, QuizAttempt,
Certificate; the reads the pages need are methods of their querysets. Other writes live in
`courses/services.py`, other careful reads in `courses/selectors.py` (both import this module,
never the other way round).
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.models import AbstractGroupApprovalTask, Locale, Page, PageManager, PagePermissionTester
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail.snippets.models import register_snippet
from wagtail.url_routing import RouteResult

from courses import search
from courses.blocks import LESSON_BLOCKS
from courses.forms import CoursePageForm
from courses.moderation import moderation_decided, moderation_submitted
from lms.infra import pagecache
from lms.infra.validators import validate_time_zone
from lms.models import User

STEP = Page.steplen  # characters per level of a page's tree path


# --- Snippets -----------------------------------------------------------------------------


class Category(models.Model):
    """A subject area; categories nest (e.g. Programming → Python)."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("parent")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    def clean(self):
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be inside itself.")})
            seen.add(node.pk)
            node = node.parent

    @classmethod
    def for_catalog(cls) -> list["Category"]:
        """Every category, for the catalog's filter (shared: lms/infra/pagecache.py)."""
        return pagecache.shared(
            "categories", lambda: list(cls.objects.select_related("parent").order_by("parent__name", "name"))
        )

    @classmethod
    def subtree_ids(cls, slug: str) -> list[int]:
        """The category called `slug` and every category nested inside it."""
        rows = [(c.pk, c.slug, c.parent_id) for c in cls.for_catalog()]
        root = next((pk for pk, s, _ in rows if s == slug), None)
        if root is None:
            return []
        found, frontier = {root}, {root}
        while frontier:
            frontier = {pk for pk, _, parent in rows if parent in frontier and pk not in found}
            found |= frontier
        return list(found)


register_snippet(Category)


# --- Pages --------------------------------------------------------------------------------


class CoursePermissionTester(PagePermissionTester):
    """Wagtail's owner-based rules, narrowed: inside a course, only its teachers (and staff)
    may add, edit or delete modules and lessons — another teacher's "add" permission on the
    catalog does not reach into a course that is not theirs."""

    def _course_teacher(self) -> bool:
        user = self.user
        if not user.is_active or user.is_superuser or getattr(user, "is_platform_staff", False):
            return True
        course_path = self.page.path[: len(self.page.path) - self.page.levels_below_course * self.page.steplen]
        course = CoursePage.objects.filter(path=course_path).only("id", "owner_id").first()
        if course is None:
            return True
        return course.owner_id == user.pk or course.teachers.filter(pk=user.pk).exists()

    def can_add_subpage(self):
        return super().can_add_subpage() and self._course_teacher()

    def can_edit(self):
        return super().can_edit() and self._course_teacher()

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk=ignore_bulk) and self._course_teacher()


class CoursePermissionMixin(pagecache.SharedPageTree):
    levels_below_course = 0

    def permissions_for_user(self, user):
        return CoursePermissionTester(user, self)


CONTENT_LANGUAGES = dict(settings.WAGTAIL_CONTENT_LANGUAGES)


class CourseIndexPage(pagecache.SharedPageTree, Page):
    """The catalog at /courses/: every published course, searched, filtered and sorted."""

    intro = models.TextField(_("introduction"), blank=True, default="Courses written and taught by real teachers.")

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    # One per content language, made by courses.services.catalog_page_ensure.
    is_creatable = False

    SORTS = {
        "relevance": _("Best match"),
        "newest": _("Newest"),
        "popular": _("Most popular"),
        "title": _("Title A–Z"),
    }
    PRICES = {"free": _("Free"), "paid": _("Paid")}
    PAGE_SIZE = 12

    class Meta:
        verbose_name = _("course catalog")
        verbose_name_plural = _("course catalogs")

    def get_template(self, request, *args, **kwargs):
        htmx = getattr(request, "htmx", None)
        if htmx and htmx.target == "course-results":
            return self.template + "#results"
        return self.template

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        get = request.GET
        q = get.get("q", "").strip()[:100]
        filters = {
            "q": q,
            "category": get.get("category", "")[:80],
            "level": get.get("level", "") if get.get("level") in Level.values else "",
            "price": get.get("price", "") if get.get("price") in self.PRICES else "",
            "language": get.get("language", "") if get.get("language") in CONTENT_LANGUAGES else "",
            "sort": get.get("sort", "") if get.get("sort") in self.SORTS else ("relevance" if q else "newest"),
        }
        viewer = Locale.get_active()
        courses = Paginator(CoursePage.objects.catalog(**filters, viewer=viewer), self.PAGE_SIZE).get_page(
            get.get("page")
        )
        result = CatalogResult(query=q)
        if q and not courses.paginator.count:
            # Nothing matched: try again with the typos corrected (courses/search.py).
            result.suggestion = search.suggestion(q, terms=SearchTerm.objects.all())
            if result.suggestion:
                corrected = CoursePage.objects.catalog(**{**filters, "q": result.suggestion}, viewer=viewer)
                corrected_page = Paginator(corrected, self.PAGE_SIZE).get_page(get.get("page"))
                if corrected_page.paginator.count:
                    courses, result.used_suggestion = corrected_page, True
        query = get.copy()
        query.pop("page", None)
        context.update(
            # The catalog's title and introduction in the viewer's language, where its page has that version.
            heading=self if viewer.pk == self.locale_id else (self.get_translation_or_none(viewer) or self),
            courses=courses,
            filters=filters,
            result=result,
            querystring=query.urlencode(),
            categories=Category.for_catalog(),
            levels=Level.choices,
            prices=self.PRICES,
            languages=list(CONTENT_LANGUAGES),
            sorts={k: v for k, v in self.SORTS.items() if k != "relevance" or q},
        )
        return context

    def serve(self, request, *args, **kwargs):
        return pagecache.share_with_visitors(request, super().serve(request, *args, **kwargs), self)


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


@dataclass(frozen=True)
class OutlineLesson:
    """A lesson as outlines, navigation and dashboards show it (shared by every request)."""

    pk: int
    title: str
    url: str
    duration_minutes: int
    free_preview: bool
    is_assignment: bool = False
    release: str = ""
    release_at: datetime | None = None
    release_days: int | None = None

    def opens_for(self, enrollment: "Enrollment | None") -> datetime | None:
        return release_time(self.release, self.release_at, self.release_days, enrollment)


def release_time(
    release: str, release_at, release_days: int | None, enrollment: "Enrollment | None"
) -> datetime | None:
    """When a lesson opens for the student of `enrollment` (None: it is open). "N days after"
    counts calendar days in the cohort's time zone (else the student's): a lesson due to open
    at 10:00 opens at 10:00 local time, even across a change of the clocks."""
    if release == LessonPage.Release.ON_DATE:
        return release_at
    if release not in (LessonPage.Release.AFTER_COHORT_START, LessonPage.Release.AFTER_ENROLMENT) or enrollment is None:
        return None
    cohort = enrollment.cohort if release == LessonPage.Release.AFTER_COHORT_START else None
    start = cohort.starts_at if cohort is not None else enrollment.created_at
    zone = ZoneInfo(cohort.time_zone if cohort is not None else (enrollment.student.time_zone or "UTC"))
    # Wall-clock arithmetic: adding days to a zone-aware time keeps its local time of day.
    return (start.astimezone(zone) + timedelta(days=release_days or 0)).astimezone(UTC)


@dataclass(frozen=True)
class LessonAccess:
    """What LessonPage.access_for decided for one person and one lesson."""

    enrollment: "Enrollment | None"
    completed: set[int]  # the person's completed lessons of the course
    has_access: bool  # enrolled, teaching or staff
    free_preview: bool
    blocked_by: OutlineLesson | None  # the earlier lesson to finish first (enforced order)
    opens_at: datetime | None  # not released to them until then

    @property
    def can_view(self) -> bool:
        return (self.has_access or self.free_preview) and self.blocked_by is None and self.opens_at is None


@dataclass(frozen=True)
class OutlineModule:
    pk: int
    title: str
    intro: str
    lessons: tuple[OutlineLesson, ...]


@dataclass
class CatalogResult:
    """What the catalog says about a search besides the courses: a corrected query, and
    whether the courses shown are the corrected query's."""

    query: str
    suggestion: str = ""
    used_suggestion: bool = False


# The catalog card's cover: the renditions `{% srcset_image %}` in courses/_course_card.html asks
# for (the same pattern there), prefetched with the page of courses.
CARD_COVER = "fill-{640x360,320x180,960x540}"
# A course without a cover: a gradient per category (whole class names, for Tailwind's scan).
COVER_TONES = (
    "from-indigo-900 to-cyan-600",
    "from-amber-700 to-rose-700",
    "from-emerald-800 to-sky-700",
    "from-violet-800 to-blue-600",
    "from-slate-800 to-brand-600",
    "from-teal-800 to-lime-700",
)


class CoursePageQuerySet(PageQuerySet):
    def cards(self):
        """Published courses with what their cards (courses/_course_card.html) show, in a
        constant number of queries however many there are."""
        return (
            self.live()
            .defer_streamfields()
            # "rating": the reviews app's CourseRating, in the same query (reviews/models.py).
            .select_related("category", "owner", "rating")
            .prefetch_related(
                Prefetch("teachers", queryset=User.objects.only("id", "display_name", "email")),
                # The card's renditions come with the image: no query per {% srcset_image %}.
                Prefetch(
                    "cover_image",
                    queryset=get_image_model().objects.prefetch_renditions(*Filter.expand_spec(CARD_COVER)),
                ),
            )
        )

    def catalog(
        self,
        *,
        q: str = "",
        category: str = "",
        level: str = "",
        price: str = "",
        language: str = "",
        sort: str = "newest",
        viewer: Locale | None = None,
    ):
        """The published courses matching the catalog's filters and query, sorted, ready to paginate.

        A course translated into several languages shows once: in the viewer's language if
        it has that version, else as first written (`viewer`: their locale, the active
        language's by default). `language` (a content language's code) shows only the
        courses written or translated in it."""
        courses = self.cards()
        if language:
            courses = courses.filter(locale__language_code=language)
        else:
            viewer = viewer or Locale.get_active()
            in_viewer_language = self.live().filter(locale=viewer).values("translation_key")
            first_written = (
                self.live().filter(translation_key=OuterRef("translation_key")).order_by("pk").values("pk")[:1]
            )
            courses = courses.filter(
                Q(locale=viewer) | (~Q(translation_key__in=in_viewer_language) & Q(pk=Subquery(first_written)))
            )
        if category:
            courses = courses.filter(category_id__in=Category.subtree_ids(category))
        if level:
            courses = courses.filter(level=level)
        if price == "free":
            courses = courses.filter(price__lte=0)
        elif price == "paid":
            courses = courses.filter(price__gt=0)
        if q:
            courses = search.matching(courses, q)
        if sort == "popular":
            return courses.annotate(
                n_students=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ACTIVE), distinct=True)
            ).order_by("-n_students", "-first_published_at", "pk")
        if sort == "title":
            return courses.order_by("title", "pk")
        if sort == "relevance" and q and search.postgres():
            return courses.order_by("-rank", "-first_published_at", "-pk")  # search.matching's rank
        return courses.order_by("-first_published_at", "-pk")


class CoursePage(CoursePermissionMixin, Page):
    summary = models.CharField(_("summary"), max_length=300, help_text=_("One or two sentences for the catalog card."))
    description = RichTextField(
        _("description"), blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cover image"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        verbose_name=_("category"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER, db_index=True)
    price = models.DecimalField(
        _("price"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("0 means the course is free."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="GBP",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO code, e.g. GBP."))],
    )
    teachers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="taught_courses",
        limit_choices_to={"role": "teacher"},
        verbose_name=_("teachers"),
        help_text=_("Who teaches this course (the page owner is always one of them)."),
    )
    learning_outcomes = models.TextField(_("learning outcomes"), blank=True, help_text=_("One outcome per line."))
    prerequisites = ParentalManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("prerequisites")
    )
    enforce_prerequisites = models.BooleanField(
        _("enforce prerequisites"),
        default=False,
        help_text=_("Students must complete the prerequisite courses before enrolling."),
    )
    enforce_order = models.BooleanField(
        _("enforce lesson order"),
        default=False,
        help_text=_("Students must complete lessons in order before opening the next one."),
    )
    estimated_hours = models.PositiveSmallIntegerField(
        _("estimated hours"), default=1, help_text=_("Estimated hours to complete.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [FieldPanel("category"), FieldPanel("level"), FieldPanel("estimated_hours")],
            heading=_("About"),
        ),
        MultiFieldPanel([FieldPanel("price"), FieldPanel("currency")], heading=_("Price")),
        FieldPanel("teachers"),
        FieldPanel("learning_outcomes"),
        MultiFieldPanel(
            [FieldPanel("prerequisites"), FieldPanel("enforce_prerequisites"), FieldPanel("enforce_order")],
            heading=_("Rules"),
        ),
    ]
    # Wagtail's own index, for the admin's page search (the catalog's is courses/search.py).
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.AutocompleteField("summary"),
        index.FilterField("level"),
        index.FilterField("price"),
        index.FilterField("category"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]
    base_form_class = CoursePageForm  # only files the editor may choose (courses/forms.py)

    objects = PageManager.from_queryset(CoursePageQuerySet)()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    @property
    def is_free(self) -> bool:
        return not self.price or self.price <= 0

    @property
    def cover_tone(self) -> str:
        """The fallback cover's gradient: the same for every course of a category."""
        return COVER_TONES[(self.category_id or 0) % len(COVER_TONES)]

    @cached_property
    def outcomes(self) -> list[str]:
        return [line.strip() for line in self.learning_outcomes.splitlines() if line.strip()]

    @property
    def course(self) -> "CoursePage":
        return self

    def teacher_users(self) -> list:
        """The teachers, the page owner first (uses a prefetch of `teachers` when there is one)."""
        teachers = list(self.teachers.all())
        if self.owner_id and all(t.pk != self.owner_id for t in teachers) and self.owner is not None:
            teachers.append(self.owner)
        return sorted(teachers, key=lambda t: (t.pk != self.owner_id, t.name.lower()))

    def clean(self):
        super().clean()
        if self.currency:
            self.currency = self.currency.upper()

    # --- What the course holds -------------------------------------------------------------

    def outline(self) -> list[OutlineModule]:
        """Live modules with their live lessons, in the editor's order: shared by every request
        (lms/infra/pagecache.py), else two queries."""
        return pagecache.shared(f"course-outline:{self.pk}", self._outline_build)

    def _outline_build(self) -> list[OutlineModule]:
        modules = ModulePage.objects.child_of(self).live().order_by("path").only("id", "title", "path", "intro")
        lessons = {}
        for lesson in (
            LessonPage.objects.descendant_of(self)
            .live()
            .defer_streamfields()
            .order_by("path")
            .only(
                "id",
                "title",
                "path",
                "url_path",
                "depth",
                "duration_minutes",
                "free_preview",
                "locale_id",
                "content_type_id",
                "release",
                "release_at",
                "release_days",
            )
        ):
            lessons.setdefault(lesson.path[:-STEP], []).append(
                OutlineLesson(
                    lesson.pk,
                    lesson.title,
                    lesson.url,
                    lesson.duration_minutes,
                    lesson.free_preview,
                    is_assignment=not lesson.completes_by_itself_as_specific,
                    release=lesson.release,
                    release_at=lesson.release_at,
                    release_days=lesson.release_days,
                )
            )
        return [OutlineModule(m.pk, m.title, m.intro, tuple(lessons.get(m.path, ()))) for m in modules]

    def lessons(self) -> list[OutlineLesson]:
        return [lesson for module in self.outline() for lesson in module.lessons]

    def not_yet_open(self, enrollment: "Enrollment | None", *, now: datetime | None = None) -> dict[int, datetime]:
        """Its lessons not released to the student of `enrollment` yet, and when each opens
        (the lesson page's outline and the API's both ask)."""
        if enrollment is None:
            return {}
        now = now or timezone.now()
        return {item.pk: opens for item in self.lessons() if (opens := item.opens_for(enrollment)) and now < opens}

    def blocking_lesson(self, lesson: "LessonPage", completed: set[int]) -> OutlineLesson | None:
        """With enforced order: the first lesson before `lesson` not yet completed, else None."""
        if not self.enforce_order:
            return None
        for earlier in self.lessons():
            if earlier.pk == lesson.pk:
                return None
            if earlier.pk not in completed:
                return earlier
        return None

    def taught_by(self, user) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_teacher:
            return False
        return self.owner_id == user.pk or self.teachers.filter(pk=user.pk).exists()

    def open_to(self, user, *, enrollment: "Enrollment | None" = None) -> bool:
        """May `user` see every lesson? (an active enrollment, one of its teachers, or staff)"""
        if not getattr(user, "is_authenticated", False):
            return False
        if enrollment is not None or user.is_platform_staff or self.taught_by(user):
            return True
        return Enrollment.objects.active_for(user=user, course=self) is not None

    def search_document_update(self) -> None:
        """Rebuild this course's search document from what every visitor may read (its own
        texts, its live lessons' titles, its free-preview lessons' text; never a quiz)."""
        lessons = list(LessonPage.objects.live().descendant_of(self).order_by("path"))
        titles = " ".join(lesson.title for lesson in lessons)
        preview = " ".join(lesson.public_text() for lesson in lessons if lesson.free_preview)
        description = search.plain(self.description)
        if search.postgres():
            vector = search.vector(
                title=self.title, summary=self.summary, description=f"{description} {titles}", preview=preview
            )
            CourseSearchDocument.objects.update_or_create(course_id=self.pk, defaults={"vector": vector})
        terms = search.words(self.title, self.summary, description, titles, preview)
        SearchTerm.objects.bulk_create([SearchTerm(word=w) for w in terms], ignore_conflicts=True)

    # --- Serving ----------------------------------------------------------------------------

    def route(self, request, path_components):
        # A lesson by its whole path (shared, else one query), served with this course so that
        # it need not look the course up again; a module (its own page redirects to the
        # outline) is routed as any child (pagecache.SharedPageTree).
        if len(path_components) == 2:
            url_path = f"{self.url_path}{path_components[0]}/{path_components[1]}/"
            lesson = pagecache.page_at(url_path, lambda: self._lesson_at(url_path))
            if lesson is None or not lesson.live:
                raise Http404
            return RouteResult(lesson, kwargs={"course": self})
        return super().route(request, path_components)

    def _lesson_at(self, url_path: str) -> "LessonPage | None":
        """One query; a second only for a lesson of another type (an assignment), read as that type."""
        lesson = LessonPage.objects.filter(url_path=url_path, depth=self.depth + 2).first()
        return lesson.specific if lesson is not None else None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        lessons = self.lessons()
        enrollment = Enrollment.objects.active_for(user=user, course=self)
        prefetch_related_objects(
            [self],
            Prefetch("teachers", queryset=User.objects.select_related("teacher_profile")),
            "owner__teacher_profile",
        )
        teachers = self.teacher_users()
        is_teacher = user.is_authenticated and user.is_teacher and any(t.pk == user.pk for t in teachers)
        has_access = enrollment is not None or is_teacher or (user.is_authenticated and user.is_platform_staff)
        completed = LessonProgress.objects.completed_ids(user=user, course=self) if enrollment else set()
        context.update(
            course=self,
            outline=self.outline(),
            lesson_count=len(lessons),
            minutes=sum(lesson.duration_minutes for lesson in lessons),
            teachers=teachers,
            # .all(), not .live(): in a preview this is modelcluster's in-memory relation.
            prerequisites=[p for p in self.prerequisites.all() if p.live],
            enrollment=enrollment,
            has_access=has_access,
            is_teacher=is_teacher,
            completed=completed,
            done_count=len(completed & {lesson.pk for lesson in lessons}),
            continue_lesson=enrollment.continue_lesson(lessons, completed) if enrollment else None,
            # The same course in other languages ("Also in: Español").
            translations=self.get_translations().live().select_related("locale").order_by("locale__language_code"),
            certificate=(
                Certificate.objects.filter(student=user, course=self, revoked_at__isnull=True).first()
                if enrollment and enrollment.completed_at
                else None
            ),
        )
        return context

    def serve(self, request, *args, **kwargs):
        return pagecache.share_with_visitors(request, super().serve(request, *args, **kwargs), self)


class ModulePage(CoursePermissionMixin, Page):
    """A week or topic of a course; it has no page of its own — it opens the course outline."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage", "coursework.AssignmentPage"]
    levels_below_course = 1

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    @cached_property
    def course(self) -> CoursePage | None:
        return CoursePage.objects.filter(path=self.path[:-STEP]).first()

    def serve(self, request, *args, **kwargs):
        if self.course is None:
            raise Http404
        return redirect(f"{self.course.url}#module-{self.pk}")


class LessonPage(CoursePermissionMixin, Page):
    class Release(models.TextChoices):
        AT_ONCE = "", _("At once")
        ON_DATE = "date", _("On a date")
        AFTER_COHORT_START = "cohort", _("Some days after the student's cohort starts")
        AFTER_ENROLMENT = "enrolment", _("Some days after the student enrols")

    body = StreamField(LESSON_BLOCKS, blank=True, block_counts={"quiz": {"max_num": 1}}, verbose_name=_("body"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=10)
    free_preview = models.BooleanField(
        _("free preview"), default=False, help_text=_("Visitors can open this lesson without enrolling.")
    )

    release = models.CharField(_("opens"), max_length=10, choices=Release.choices, default="", blank=True)
    release_at = models.DateTimeField(_("opens on"), null=True, blank=True, help_text=_("For “On a date”."))
    release_days = models.PositiveSmallIntegerField(
        _("days after"),
        null=True,
        blank=True,
        help_text=_("For “days after the cohort starts / the student enrols”."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("duration_minutes"),
        FieldPanel("free_preview"),
        MultiFieldPanel(
            [FieldPanel("release"), FieldPanel("release_at"), FieldPanel("release_days")],
            heading=_("Scheduled release"),
        ),
        FieldPanel("body"),
    ]
    # Wagtail's own index, for the admin's page search (the catalog's is courses/search.py).
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    base_form_class = CoursePageForm  # only files the editor may choose (courses/forms.py)
    levels_below_course = 2
    # A lesson is marked complete by its student; an assignment (coursework) by handing it in.
    completes_by_itself = True

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @cached_property
    def course(self) -> CoursePage | None:
        """The course two levels up, in one query."""
        return CoursePage.objects.filter(path=self.path[: -2 * STEP]).first()

    @cached_property
    def quiz(self):
        """The lesson's quiz block (a bound block with `.id` and `.value`), or None."""
        if not any(block["type"] == "quiz" for block in self.body.raw_data):
            return None  # known without loading the blocks' images and documents
        return next(block for block in self.body if block.block_type == "quiz")

    def clean(self):
        super().clean()
        if self.release == self.Release.ON_DATE and self.release_at is None:
            raise ValidationError({"release_at": _("Choose the date it opens.")})

    def opens_for(self, enrollment: "Enrollment | None") -> datetime | None:
        return release_time(self.release, self.release_at, self.release_days, enrollment)

    @property
    def completes_by_itself_as_specific(self) -> bool:
        """`completes_by_itself` of this page's own type, known without a query (outlines read
        every lesson as a LessonPage)."""
        return getattr(self.specific_class, "completes_by_itself", True)

    def completion_blocker(self, *, student) -> str | None:
        """Why `student` cannot mark this lesson complete yet, or None (subclasses add theirs)."""
        quiz = self.quiz
        required = quiz is not None and quiz.value["required"]
        if required and not QuizAttempt.objects.filter(student=student, lesson=self, passed=True).exists():
            return str(_("Pass the quiz to complete this lesson."))
        return None

    def public_text(self) -> str:
        """The lesson's text, for the search document of a free preview (not its quiz)."""
        body = self._meta.get_field("body")
        return " ".join(
            text
            for block in self.body
            if block.block_type != "quiz"
            for text in body.stream_block.child_blocks[block.block_type].get_searchable_content(block.value)
        )

    def access_for(self, user, *, course: CoursePage) -> "LessonAccess":
        """May `user` open this lesson now, and if not, why: the one rule the lesson's page and
        the API (api/views.py) both follow. Two indexed queries for a student."""
        enrollment = Enrollment.objects.active_for(user=user, course=course)
        completed = LessonProgress.objects.completed_ids(user=user, course=course) if enrollment else set()
        blocked_by = course.blocking_lesson(self, completed) if enrollment and not self.free_preview else None
        # Scheduled release applies to students (teachers and staff have no enrollment here).
        opens_at = self.opens_for(enrollment) if enrollment and not self.free_preview else None
        return LessonAccess(
            enrollment=enrollment,
            completed=completed,
            has_access=course.open_to(user, enrollment=enrollment),
            free_preview=self.free_preview,
            blocked_by=blocked_by,
            opens_at=opens_at if opens_at is not None and timezone.now() < opens_at else None,
        )

    def get_context(self, request, *args, course: CoursePage | None = None, **kwargs):
        """The lesson for `request.user`: their enrolment and ticks (two indexed queries), where
        they are in the course (its shared outline), the quiz and their attempts."""
        context = super().get_context(request, *args, **kwargs)
        course = course or self.course
        user = request.user
        lessons = course.lessons()
        access = self.access_for(user, course=course)
        enrollment, completed = access.enrollment, access.completed
        index = next((i for i, item in enumerate(lessons) if item.pk == self.pk), None)
        now = timezone.now()
        context.update(
            lesson=self,
            course=course,
            outline=course.outline(),
            enrollment=enrollment,
            has_access=access.has_access,
            can_view=access.can_view,
            blocked_by=access.blocked_by,
            opens_at=access.opens_at,
            not_yet_open=set(course.not_yet_open(enrollment, now=now)),
            completed=completed,
            is_done=self.pk in completed,
            done_count=len(completed & {item.pk for item in lessons}),
            lesson_count=len(lessons),
            previous_lesson=lessons[index - 1] if index else None,
            next_lesson=lessons[index + 1] if index is not None and index + 1 < len(lessons) else None,
        )
        quiz = self.quiz
        if quiz is not None:
            attempts = QuizAttempt.objects.of(user=user, lesson=self) if enrollment else []
            limit = quiz.value["max_attempts"]
            passed = any(a.passed for a in attempts)
            context.update(
                quiz_attempts=attempts,
                quiz_last=attempts[0] if attempts else None,
                quiz_passed=passed,
                quiz_remaining=(limit - len(attempts)) if limit else None,
                quiz_open=bool(enrollment) and not passed and (not limit or len(attempts) < limit),
            )
        elif not getattr(request, "is_preview", False):
            # The same for every viewer, kept per revision (a quiz shows each viewer's attempts).
            context["body_html"] = pagecache.shared(
                f"lesson-body:{self.pk}:{self.live_revision_id}",
                lambda: render_to_string("courses/_lesson_body.html", {"lesson": self}),
            )
        return context

    def serve(self, request, *args, course: CoursePage | None = None, **kwargs):
        course = course or self.course
        if course is None or not course.live:
            raise Http404("This lesson is not part of a published course.")
        request.is_preview = False
        context = self.get_context(request, *args, course=course, **kwargs)
        if not context["can_view"]:
            return TemplateResponse(request, "courses/lesson_locked.html", context, status=403)
        response = TemplateResponse(request, self.get_template(request, *args, **kwargs), context)
        if context["enrollment"] is not None:
            context["enrollment"].bookmark(self)
            # The service worker keeps a copy to read offline (templates/pwa/sw.js).
            response["Lyceum-Offline"] = "lesson"
        return response


# --- Search ----------------------------------------------------------------------------------


class CourseSearchDocument(models.Model):
    """A course's weighted search document on PostgreSQL (courses/search.py), GIN-indexed
    (migration 0002). Kept apart from the page so page revisions never carry it."""

    course = models.OneToOneField(
        CoursePage, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    vector = SearchVectorField(null=True)

    def __str__(self):
        return f"search document of {self.course_id}"


class SearchTerm(models.Model):
    """A word of some course's search document: what a misspelt query is corrected to
    (courses/search.py). On PostgreSQL a trigram (GiST) index serves the nearest-word search
    (migration 0002)."""

    word = models.CharField(max_length=64, primary_key=True)

    def __str__(self):
        return self.word


# --- Records --------------------------------------------------------------------------------


class Cohort(models.Model):
    """A batch of a course's students who start together: lessons can open some days after its
    start (counted in its time zone), and each enrolment joins one."""

    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("course"))
    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    # Of the course's teachers, those who look after this cohort (its students' questions go
    # to them); none: all of the course's teachers.
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="taught_cohorts", verbose_name=_("teachers")
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [models.UniqueConstraint(fields=["course", "name"], name="cohort_name_per_course")]

    def __str__(self):
        return self.name


class EnrollmentQuerySet(models.QuerySet):
    def active_for(self, *, user, course) -> "Enrollment | None":
        """The user's active enrollment in the course (one indexed query; none for visitors)."""
        if not getattr(user, "is_authenticated", False):
            return None
        return (
            self.filter(student=user, course=course, status=Enrollment.Status.ACTIVE)
            .select_related("cohort", "student")
            .first()
        )


class Enrollment(models.Model):
    """A student's place on a course. At most one active enrollment per (student, course)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Source(models.TextChoices):
        FREE = "free", _("Free")
        PURCHASE = "purchase", _("Purchase")
        SUBSCRIPTION = "subscription", _("Subscription")
        STAFF = "staff", _("Staff")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("student")
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("course")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reference = models.CharField(_("reference"), max_length=200, blank=True, help_text=_("E.g. the payment id."))
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        LessonPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last lesson opened"),
    )
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="enrollments", verbose_name=_("cohort")
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course"], condition=Q(status="active"), name="one_active_enrollment_per_course"
            )
        ]
        indexes = [models.Index(fields=["course", "status"], name="enrollment_course_status_idx")]

    def __str__(self):
        return _("%(student)s in %(course)s") % {"student": self.student, "course": self.course}

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def bookmark(self, lesson: LessonPage) -> None:
        """Remember the last lesson opened, for "continue where you left off" (written by the
        lesson page as it is viewed; nothing else depends on it)."""
        if self.last_lesson_id != lesson.pk:
            Enrollment.objects.filter(pk=self.pk).update(last_lesson=lesson)
            self.last_lesson_id = lesson.pk

    def continue_lesson(self, lessons: list[OutlineLesson], completed: set[int]) -> OutlineLesson | None:
        """Where to continue: the first lesson not done from the last one opened on, else the first not done."""
        if not lessons:
            return None
        ids = [lesson.pk for lesson in lessons]
        start = ids.index(self.last_lesson_id) if self.last_lesson_id in ids else 0
        for lesson in lessons[start:] + lessons[:start]:
            if lesson.pk not in completed:
                return lesson
        return lessons[start]


class LessonProgressQuerySet(models.QuerySet):
    def completed_ids(self, *, user, course) -> set[int]:
        """The ids of the lessons of `course` the user completed (one indexed query)."""
        if not getattr(user, "is_authenticated", False):
            return set()
        return set(self.filter(student=user, course=course).values_list("lesson_id", flat=True))


class LessonProgress(models.Model):
    """A lesson a student has completed."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField(default=timezone.now)

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["student", "lesson"], name="one_progress_per_lesson")]
        indexes = [models.Index(fields=["student", "course"], name="progress_student_course_idx")]

    def __str__(self):
        return f"{self.student_id} completed {self.lesson_id}"


class QuizAttemptQuerySet(models.QuerySet):
    def of(self, *, user, lesson) -> list["QuizAttempt"]:
        """The user's attempts at the lesson's quiz, newest first."""
        if not getattr(user, "is_authenticated", False):
            return []
        return list(self.filter(student=user, lesson=lesson))


class QuizAttempt(models.Model):
    """One graded submission of a lesson's quiz; every attempt is kept."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("student")
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("lesson")
    )
    quiz_id = models.CharField(_("quiz id"), max_length=64, help_text=_("The quiz block's id."))
    answers = models.JSONField(_("answers"), default=dict)
    results = models.JSONField(
        _("results"), default=list, help_text=_("Per question: correct?, feedback, the right answer.")
    )
    score = models.PositiveSmallIntegerField(_("score"), help_text=_("Percent."))
    passed = models.BooleanField(_("passed"))
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # A short answer marked wrong by the machine waits for a teacher's check.
    to_check = models.BooleanField(_("to check"), default=False)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        indexes = [
            models.Index(fields=["student", "lesson"], name="attempt_student_lesson_idx"),
            models.Index(fields=["course", "created_at"], condition=Q(to_check=True), name="attempt_to_check_idx"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.lesson_id} {self.score}%"


def _certificate_code() -> str:
    return secrets.token_hex(8).upper()


class Certificate(models.Model):
    """Proof a student completed a course; public at /certificates/<code>/."""

    code = models.CharField(_("certificate ID"), max_length=16, unique=True, default=_certificate_code, editable=False)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("student")
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course")
    )
    # What the certificate says, frozen at issue so a later rename does not change it.
    student_name = models.CharField(_("student name"), max_length=150)
    course_title = models.CharField(_("course title"), max_length=255)
    teacher_names = models.CharField(_("teacher names"), max_length=255, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [models.UniqueConstraint(fields=["student", "course"], name="one_certificate_per_course")]

    def __str__(self):
        return f"{self.code} {self.student_name}: {self.course_title}"

    def get_absolute_url(self):
        return reverse("courses:certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


# --- Moderation -------------------------------------------------------------------------------


class CourseReviewTask(AbstractGroupApprovalTask):
    """Staff approve or reject a submitted course page; the author is told either way."""

    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        moderation_submitted(task=self, page=workflow_state.content_object, submitter=user)
        return task_state

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        super().on_action(task_state, user, action_name, **kwargs)
        moderation_decided(
            page=task_state.workflow_state.content_object,
            requested_by=task_state.workflow_state.requested_by,
            reviewer=user,
            approved=action_name == "approve",
            comment=kwargs.get("comment", ""),
        )

    @classmethod
    def get_description(cls):
        return _("Staff review a course before it is published; the teacher is notified of the decision.")

    class Meta:
        verbose_name = _("course review")
        verbose_name_plural = _("course reviews")
