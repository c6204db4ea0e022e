"""Reads of the tutoring board: what each person may see, the filtered list, and the
applicants side by side."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from board.models import Application, ApplicationStatus, Post, PostKind, PostStatus
from lms.models import Role, User
from tutors.models import Tutor

PAGE_SIZE = 20


@dataclass(frozen=True)
class Filters:
    subject: str = ""
    level: str = ""
    kind: str = ""
    budget: int | None = None  # pays at least this much per 60 minutes (minor units)


def can_browse(user: User) -> bool:
    """Teachers and staff browse every open post; students see their own."""
    return user.is_authenticated and (user.role == Role.TEACHER or user.is_platform_staff)


def board_posts(*, viewer: User, filters: Filters) -> QuerySet[Post]:
    posts = Post.objects.open() if can_browse(viewer) else Post.objects.filter(author=viewer)
    if filters.subject:
        posts = posts.filter(subject__slug=filters.subject)
    if filters.level:
        posts = posts.filter(level__slug=filters.level)
    if filters.kind in PostKind.values:
        posts = posts.filter(kind=filters.kind)
    if filters.budget is not None:
        posts = posts.filter(budget__gte=filters.budget)
    return (
        posts.select_related("subject", "level", "author")
        .annotate(
            n_applications=Count(
                "applications",
                filter=Q(applications__hidden_at__isnull=True) & ~Q(applications__status=ApplicationStatus.WITHDRAWN),
            ),
            applied=Exists(Application.objects.filter(post=OuterRef("pk"), applicant_id=viewer.pk)),
        )
        .order_by("-created_at", "-pk")
    )


def post_for(*, viewer: User, post_id: int) -> Post | None:
    """The post if `viewer` may see it: its author, staff, a teacher while it is open or
    once they applied. None otherwise (never a hint that it exists)."""
    post = Post.objects.select_related("subject", "level", "author").filter(pk=post_id).first()
    if post is None or not viewer.is_authenticated:
        return None
    if post.author_id == viewer.pk or viewer.is_platform_staff:
        return post
    applied = Application.objects.filter(post=post, applicant=viewer).exists
    if viewer.role == Role.TEACHER and (post.is_open or applied()):
        return post
    return None


def application_of(*, viewer: User, post: Post) -> Application | None:
    return Application.objects.filter(post=post, applicant_id=viewer.pk).first()


def applications_for_author(*, post: Post) -> QuerySet[Application]:
    """What the author sees: applications not withdrawn nor hidden, oldest first."""
    return (
        post.applications.filter(hidden_at__isnull=True)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("applicant", "applicant__teacher_profile")
    )


@dataclass
class Applicant:
    application: Application
    tutor: Tutor | None

    @property
    def response_hours(self) -> int | None:
        """The typical response time in whole hours, from two hours on (rounded up)."""
        minutes = self.tutor.response_minutes if self.tutor else None
        return -(-minutes // 60) if minutes and minutes >= 120 else None


def applicants_compared(*, post: Post) -> list[Applicant]:
    """Each applicant with their tutor figures, for the side-by-side table (fixed queries)."""
    applications = list(applications_for_author(post=post))
    tutors = {
        tutor.user_id: tutor
        for tutor in Tutor.objects.filter(user_id__in=[a.applicant_id for a in applications]).prefetch_related(
            "subjects", "languages", "levels"
        )
    }
    return [Applicant(application=a, tutor=tutors.get(a.applicant_id)) for a in applications]


def accepted_application(*, post: Post) -> Application | None:
    return post.applications.filter(status=ApplicationStatus.ACCEPTED).select_related("applicant").first()


def open_post_count() -> int:
    return Post.objects.visible().filter(status=PostStatus.OPEN, expires_at__gt=timezone.now()).count()
