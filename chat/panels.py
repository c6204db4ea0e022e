"""What the chat puts on shared pages (registered in ChatConfig.ready, see lms/infra/panels.py)."""

from chat import selectors


def nav(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    return {"chat_unread": selectors.unread_total(user_id=request.user.pk)}


def teacher_profile(request, *, teacher) -> dict | None:
    """A "Message" button for those who may write to this teacher."""
    user = request.user
    if not user.is_authenticated or user.pk == teacher.pk:
        return None
    existing = selectors.conversation_between(user=user, other=teacher)
    if existing is None and not selectors.can_message(user=user, other=teacher):
        return None
    return {"recipient": teacher, "conversation": existing}


def course_page(request, *, course) -> dict | None:
    """Students: "Message" buttons for the course's teachers. Teachers: post an announcement."""
    user = request.user
    if not user.is_authenticated:
        return None
    can_announce = selectors.teaches(user=user, course=course)
    recipients = []
    if user.is_student:
        recipients = [
            teacher
            for teacher in selectors.course_teachers(course=course)
            if selectors.can_message(user=user, other=teacher)
        ]
    if not can_announce and not recipients:
        return None
    return {"can_announce": can_announce, "recipients": recipients}
