"""Reads of the chat: who may talk to whom, conversation lists, history, unread counts.

Courses, live and board are imported lazily: the chat works before and after their models exist.
"""

import functools
import logging

from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import Q, QuerySet

from chat.models import Conversation, Message, MessageStatus, ReadState
from lms.models import Role, User

logger = logging.getLogger(__name__)

PAGE_SIZE = 30
SYNC_LIMIT = 200


# --- Who may talk to whom --------------------------------------------------------------


def _chosen_on_board(*, student: User, teacher: User) -> bool:
    """The student chose the teacher's application to their tutoring request."""
    try:
        from board.models import Application
    except ImportError:
        return False
    return Application.objects.filter(post__author=student, applicant=teacher, status="accepted").exists()


def _share_active_course(*, student: User, teacher: User) -> bool:
    try:
        from courses.models import CoursePage, Enrollment
    except ImportError:
        return False
    course_ids = Enrollment.objects.filter(student=student, status="active").values_list("course_id", flat=True)
    for course in CoursePage.objects.filter(pk__in=list(course_ids)):
        if any(user.pk == teacher.pk for user in course.teacher_users()):
            return True
    return False


def _share_booking(*, student: User, teacher: User) -> bool:
    """A live class of the teacher's that the student booked or registered for (any status:
    a cancelled or waitlisted student may still need to ask about it)."""
    try:
        from live.models import Participant
    except ImportError:
        return False
    try:
        return Participant.objects.filter(student=student, live_class__teacher=teacher).exists()
    except FieldError:
        logger.warning("live.models.Participant has no student/live_class__teacher; bookings do not open chats.")
        return False


def can_message(*, user: User, other: User) -> bool:
    """A student and a teacher who share an active enrolment or a booking; staff with anyone."""
    if user.pk == other.pk or not user.is_active or not other.is_active:
        return False
    if user.is_platform_staff or other.is_platform_staff:
        return True
    roles = {user.role, other.role}
    if roles != {Role.STUDENT, Role.TEACHER}:
        return False
    student, teacher = (user, other) if user.role == Role.STUDENT else (other, user)
    return (
        _share_active_course(student=student, teacher=teacher)
        or _share_booking(student=student, teacher=teacher)
        or _chosen_on_board(student=student, teacher=teacher)
    )


def conversation_between(*, user: User, other: User) -> Conversation | None:
    low, high = sorted([user.pk, other.pk])
    return Conversation.objects.filter(user_low_id=low, user_high_id=high).first()


# --- Conversations and messages --------------------------------------------------------


def conversations_of(*, user: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(Q(user_low=user) | Q(user_high=user))


def conversation_for(*, user: User, conversation_id: int) -> Conversation | None:
    """The conversation if `user` takes part in it, else None (never someone else's)."""
    return conversations_of(user=user).select_related("user_low", "user_high").filter(pk=conversation_id).first()


def visible_messages(*, user: User, conversation: Conversation) -> QuerySet[Message]:
    """What `user` sees: visible messages, and their own messages held for review."""
    return (
        Message.objects.filter(conversation=conversation)
        .filter(Q(status=MessageStatus.VISIBLE) | Q(status=MessageStatus.HELD, sender=user))
        .select_related("sender")
    )


def message_page(*, user: User, conversation: Conversation, before_id: int | None = None) -> tuple[list[Message], bool]:
    """The newest PAGE_SIZE messages (before `before_id`), oldest first, and whether more exist."""
    qs = visible_messages(user=user, conversation=conversation)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    page = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    has_more = len(page) > PAGE_SIZE
    return list(reversed(page[:PAGE_SIZE])), has_more


def messages_after(*, user: User, conversation: Conversation, after_id: int) -> list[Message]:
    """What a reconnecting client missed, oldest first (at most SYNC_LIMIT; it asks again)."""
    return list(visible_messages(user=user, conversation=conversation).filter(pk__gt=after_id)[:SYNC_LIMIT])


def last_read_id(*, user: User, conversation: Conversation) -> int:
    return (
        ReadState.objects.filter(conversation=conversation, user=user)
        .values_list("last_read_message_id", flat=True)
        .first()
        or 0
    )


def unread_count(*, user: User, conversation: Conversation) -> int:
    after = last_read_id(user=user, conversation=conversation)
    return (
        Message.objects.filter(conversation=conversation, status=MessageStatus.VISIBLE, pk__gt=after)
        .exclude(sender=user)
        .count()
    )


def unread_total(*, user_id: int) -> int:
    """Unread messages across all of a user's conversations (the navigation badge), in one query.

    Plain SQL (portable: PostgreSQL and SQLite): per conversation of the user, the messages
    after their read marker, each counted with the (conversation, id) index, so the cost
    follows the user's conversations, not the table (a join let PostgreSQL scan every
    message when its statistics were stale).
    """
    with connection.cursor() as cursor:
        cursor.execute(_unread_total_sql(), {"recipient": user_id, "visible": MessageStatus.VISIBLE.value})
        return cursor.fetchone()[0]


@functools.cache
def _unread_total_sql() -> str:
    quote = connection.ops.quote_name
    conversation, message, read_state = (quote(model._meta.db_table) for model in (Conversation, Message, ReadState))
    # Only the models' own quoted table names are interpolated; values go as parameters.
    return (
        f"SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM {message} m WHERE m.conversation_id = c.id"  # noqa: S608
        " AND m.status = %(visible)s AND m.sender_id <> %(recipient)s AND m.id > COALESCE(("
        f"SELECT r.last_read_message_id FROM {read_state} r WHERE r.conversation_id = c.id"
        " AND r.user_id = %(recipient)s), 0))), 0) AS INTEGER)"
        f" FROM {conversation} c WHERE c.user_low_id = %(recipient)s OR c.user_high_id = %(recipient)s"
    )


def conversation_list(*, user: User) -> list[dict]:
    """The user's conversations, newest first, each with the other person, last message and unread count."""
    conversations = list(conversations_of(user=user).select_related("user_low", "user_high"))
    states = dict(
        ReadState.objects.filter(user=user, conversation__in=conversations).values_list(
            "conversation_id", "last_read_message_id"
        )
    )
    return [conversation_summary(user=user, conversation=c, read_up_to=states.get(c.pk, 0)) for c in conversations]


def conversation_summary(*, user: User, conversation: Conversation, read_up_to: int | None = None) -> dict:
    """One row of the list: the other person, the last message `user` may see and their unread count."""
    if read_up_to is None:
        read_up_to = last_read_id(user=user, conversation=conversation)
    messages = visible_messages(user=user, conversation=conversation)
    last = messages.order_by("-id").first()
    unread = messages.filter(status=MessageStatus.VISIBLE, pk__gt=read_up_to).exclude(sender=user).count()
    return {"conversation": conversation, "other": conversation.other(user), "last": last, "unread": unread}


# --- Courses (for announcements and the course page's "Message" button) ----------------


def course_teachers(*, course) -> list[User]:
    teacher_users = getattr(course, "teacher_users", None)
    return list(teacher_users()) if teacher_users else []


def teaches(*, user: User, course) -> bool:
    if user.is_platform_staff:
        return True
    return user.is_teacher and any(t.pk == user.pk for t in course_teachers(course=course))


def course_students(*, course, cohort=None) -> QuerySet[User]:
    """The actively enrolled students of a course, or of one of its cohorts (none until the
    courses app exists)."""
    try:
        from courses.models import Enrollment
    except ImportError:
        return User.objects.none()
    enrollments = Enrollment.objects.filter(course_id=course.pk, status="active")
    if cohort is not None:
        enrollments = enrollments.filter(cohort=cohort)
    student_ids = enrollments.values("student_id")
    return User.objects.filter(pk__in=student_ids, is_active=True)


def student_course_ids(*, user: User) -> list[int]:
    """The courses whose announcements reach this user's open chat sockets."""
    try:
        from courses.models import Enrollment
    except ImportError:
        return []
    return list(Enrollment.objects.filter(student=user, status="active").values_list("course_id", flat=True))
