"""Who may read and moderate a course's discussions, and what each reader sees of them."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from courses.models import CoursePage
from courses.selectors import may_teach
from discussions.models import Follow, Post, PostStatus, Thread, Upvote

THREAD_TOPIC = "discussion-thread"  # the page socket's topic of an open thread (lms/infra/realtime.py)


def may_take_part(*, user, course: CoursePage) -> bool:
    """Read, post, upvote, follow, report: the course's students, its teachers and staff."""
    return course.open_to(user)


def may_moderate(*, user, course: CoursePage) -> bool:
    """Pin, lock, hide and mark answers: the course's teachers and staff."""
    return may_teach(user=user, course=course)


def may_read_thread(*, user, thread: Thread) -> bool:
    course = thread.course
    if thread.hidden:
        return may_moderate(user=user, course=course)
    return may_take_part(user=user, course=course)


def may_follow_live(user, key: str) -> bool:
    """May `user`'s page socket get thread `key`'s new posts live?"""
    thread = Thread.objects.select_related("course").filter(pk=key).first()
    return thread is not None and may_read_thread(user=user, thread=thread)


def course_threads(*, user, course: CoursePage, moderator: bool, query: str = "", show: str = "") -> QuerySet:
    """The course's threads for its discussion page: pinned first, then the most recently
    active; `query` searches titles and posts; `show` is "questions", "unanswered" or "following"."""
    threads = (
        Thread.objects.filter(course=course)
        .select_related("author", "lesson")
        .annotate(following=Exists(Follow.objects.filter(thread=OuterRef("pk"), user=user)))
    )
    if not moderator:
        threads = threads.filter(hidden=False)
    if query:
        matching_posts = Post.objects.filter(thread=OuterRef("pk"), status=PostStatus.VISIBLE, body__icontains=query)
        threads = threads.filter(Q(title__icontains=query) | Exists(matching_posts))
    if show == "questions":
        threads = threads.filter(lesson__isnull=False)
    elif show == "unanswered":
        threads = threads.filter(answer__isnull=True)
    elif show == "following":
        threads = threads.filter(following=True)
    return threads


def lesson_threads(*, lesson, limit: int = 5) -> list[Thread]:
    return list(Thread.objects.filter(lesson=lesson, hidden=False).select_related("author")[:limit])


def thread_posts(*, user, thread: Thread, moderator: bool, after: int = 0) -> list[Post]:
    """The thread's posts `user` may see, oldest first: visible ones, their own held ones, and
    for moderators the hidden ones too (marked as such); each with `upvoted` by `user`."""
    seen = Q(status=PostStatus.VISIBLE) | Q(status=PostStatus.HELD, author=user)
    if moderator:
        seen |= Q(status=PostStatus.HIDDEN)
    posts = (
        Post.objects.filter(seen, thread=thread, pk__gt=after)
        .select_related("author")
        .annotate(upvoted=Exists(Upvote.objects.filter(post=OuterRef("pk"), user=user)))
    )
    return list(posts)


def teacher_ids(*, course: CoursePage) -> set[int]:
    """The course's teachers, whose posts are marked "Teacher"."""
    return {teacher.pk for teacher in course.teacher_users()}


def is_following(*, user, thread: Thread) -> bool:
    return Follow.objects.filter(thread=thread, user=user).exists()
