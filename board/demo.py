"""Demo board: a few open tutoring requests (one posted by a parent for their child) and one
teaching position from the school, so the board has something to apply to.

Idempotent; everything goes through the services. The demo tutors (if the tutors demo made
any) hear of the requests by the usual matching.
"""

from django.db import transaction
from django.utils.text import slugify

from board import services
from board.models import Post, PostKind
from lms.models import Role, User
from lms.services import user_set_role
from tutors.models import Level, Subject

REQUESTS = [
    # (poster email, for whom, subject, level, goals, times, budget per 60 min in pence, minutes)
    (
        "student@lyceum.test",
        "",
        "Mathematics",
        "Beginner",
        "I want to feel confident with algebra and equations before my exams in May.",
        ["weekday-evening", "weekend-morning"],
        4000,
        60,
    ),
    (
        "student@lyceum.test",
        "",
        "Programming",
        "Intermediate",
        "Help me finish a small Python project and understand testing along the way.",
        ["weekend-afternoon"],
        5000,
        45,
    ),
    (
        "priya@lyceum.test",
        "My daughter Asha (12)",
        "Mathematics",
        "Beginner",
        "Asha finds fractions hard and is losing confidence. Gentle, patient lessons, please.",
        ["weekday-afternoon"],
        3000,
        30,
    ),
]
POSITION = {
    "title": "Physics teacher for our online summer school",
    "subject": "Physics",
    "level": "Intermediate",
    "description": "Teach small online groups of students aged 14 to 16, four weeks in July and August.",
    "hours": "10 hours a week, weekday afternoons",
    "budget": 3500,
}


def _subject(name: str) -> Subject:
    return Subject.objects.filter(name=name).first() or Subject.objects.create(name=name, slug=slugify(name))


def _level(name: str) -> Level:
    return Level.objects.filter(name=name).first() or Level.objects.create(name=name, slug=slugify(name))


def load(*, stdout) -> None:
    from lms.management.commands.load_demo_data import demo_user

    staff = User.objects.filter(email="staff@lyceum.test").first()
    if staff is None:
        stdout.write("board: demo staff missing, skipped.")
        return
    parent, _ = demo_user("priya@lyceum.test", "Priya Patel", "Asia/Kolkata")
    if parent.role != Role.STUDENT:
        user_set_role(actor=staff, user=parent, role=Role.STUDENT)
    created = 0
    with transaction.atomic():
        for email, learner, subject, level, goals, times, budget, minutes in REQUESTS:
            author = User.objects.filter(email=email).first()
            if author is None or Post.objects.filter(author=author, description=goals).exists():
                continue
            services.post_create(
                author=author,
                kind=PostKind.REQUEST,
                learner_name=learner,
                subject=_subject(subject),
                level=_level(level),
                description=goals,
                times=times,
                budget=budget,
                lesson_minutes=minutes,
            )
            created += 1
        if not Post.objects.filter(kind=PostKind.POSITION, title=POSITION["title"]).exists():
            services.post_create(
                author=staff,
                kind=PostKind.POSITION,
                **POSITION | {"subject": _subject(POSITION["subject"]), "level": _level(POSITION["level"])},
            )
            created += 1
    stdout.write(f"board: {created} new demo posts.")
