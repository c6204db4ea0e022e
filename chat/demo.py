"""Demo chat: the demo student and teacher already talking, and one course announcement.

Idempotent; everything goes through the services. Runs after courses' demo (which enrols
the demo student in the demo teacher's course, so the two may talk).
"""

from django.db import transaction

from chat import selectors, services
from chat.models import Announcement, Message
from lms.models import User

CONVERSATION = [
    ("student", "Hello! I'm stuck on the second exercise of the first module. Could you give me a hint?"),
    (
        "teacher",
        "Of course. Write down what you know and what you want to find, then look for a rule that links them.",
    ),
    ("student", "That helped, I got it. Thank you!"),
    (
        "teacher",
        "Well done. If you want to go further, book a live class and we'll work through the harder ones together.",
    ),
]


def load(*, stdout) -> None:
    student = User.objects.filter(email="student@lyceum.test").first()
    teacher = User.objects.filter(email="teacher@lyceum.test").first()
    if student is None or teacher is None:
        stdout.write("chat: demo student or teacher missing, skipped.")
        return
    conversation = selectors.conversation_between(user=student, other=teacher)
    if conversation is None:
        try:
            conversation = services.conversation_start(user=student, other=teacher)
        except services.ChatError:
            stdout.write("chat: the demo student shares no course with the demo teacher, skipped.")
            return
    with transaction.atomic():
        created = 0
        for i, (who, body) in enumerate(CONVERSATION):
            _, new = services.message_post(
                sender=student if who == "student" else teacher,
                conversation=conversation,
                body=body,
                client_id=f"demo-{i}",
            )
            created += new
        last = Message.objects.filter(conversation=conversation).order_by("-id").first()
        services.conversation_mark_read(user=teacher, conversation=conversation, message_id=last.pk)
    announced = _announcement(teacher)
    stdout.write(f"chat: {created} new demo messages{', 1 announcement' if announced else ''}.")


def _announcement(teacher) -> bool:
    courses = [c for c in _taught_courses(teacher) if selectors.course_students(course=c).exists()]
    if not courses or Announcement.objects.filter(teacher=teacher).exists():
        return False
    services.announcement_post(
        teacher=teacher,
        course=courses[0],
        body="Welcome to the course! Live Q&A every Thursday — book a seat on my profile.",
    )
    return True


def _taught_courses(teacher) -> list:
    try:
        from courses.models import CoursePage
    except ImportError:
        return []
    return [c for c in CoursePage.objects.live().filter(teachers=teacher) if selectors.teaches(user=teacher, course=c)]
