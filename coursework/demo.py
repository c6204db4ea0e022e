"""Demo coursework: an assignment with a rubric in each of the demo teacher's courses that have
students, with work handed in — some graded and released, some waiting in the queue."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from courses.models import CoursePage, Enrollment, ModulePage
from coursework import services
from coursework.models import AssignmentPage, Rubric
from lms.models import User

TEACHER_EMAIL = "teacher@lyceum.test"
CRITERIA = [
    ("Correctness", "The program does what the brief asks, including the edge cases."),
    ("Clarity", "Names, structure and comments make the code easy to follow."),
    ("Explanation", "The write-up says why, not only what."),
]
LEVELS = [("Excellent", "4"), ("Good", "3"), ("Developing", "2"), ("Missing", "0")]
ANSWERS = [
    "I split the problem into three functions and tested each with the examples from the lesson.",
    "My solution loops over the list once and keeps a running total; see the link for the notebook.",
    "I was not sure about empty input, so I return zero and explain why in the comments.",
]


def _rubric(teacher: User) -> Rubric:
    rubric = Rubric.objects.filter(title="Programming exercise", owner=teacher).first()
    if rubric is not None:
        return rubric

    def item(value, kind="item"):
        return {"type": kind, "id": str(uuid.uuid4()), "value": value}

    criteria = [
        item(
            {
                "title": title,
                "description": description,
                "levels": [item({"label": label, "points": points, "description": ""}) for label, points in LEVELS],
            },
            "criterion",
        )
        for title, description in CRITERIA
    ]
    return Rubric.objects.create(title="Programming exercise", owner=teacher, criteria=json.dumps(criteria))


def load(*, stdout) -> None:
    teacher = User.objects.filter(email=TEACHER_EMAIL).first()
    if teacher is None:
        return
    rubric = _rubric(teacher)
    now = timezone.now()
    made = graded = waiting = 0
    courses = CoursePage.objects.live().filter(owner=teacher).order_by("path")
    for n, course in enumerate(courses):
        students = [
            e.student
            for e in Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE).select_related("student")
        ]
        if not students or AssignmentPage.objects.descendant_of(course).exists():
            continue
        module = ModulePage.objects.child_of(course).order_by("path").first()
        body = json.dumps(
            [
                {
                    "type": "paragraph",
                    "id": str(uuid.uuid4()),
                    "value": f"<p>Put what you learnt in “{module.title}” to work: write a short program that "
                    "solves the exercise below, and explain your choices in a paragraph.</p>",
                }
            ]
        )
        assignment = AssignmentPage(
            title=f"Exercise: {module.title}",
            owner=teacher,
            body=body,
            duration_minutes=45,
            points=Decimal(20),
            due_at=now + timedelta(days=7 - 10 * (n % 2)),  # one due next week, one already past
            late_penalty_percent=10,
            accepts_text=True,
            accepts_link=True,
            rubric=rubric,
        )
        module.add_child(instance=assignment)
        assignment.save_revision(user=teacher).publish()
        made += 1
        for s, student in enumerate(students):
            try:
                submission = services.submission_save(
                    student=student, assignment=assignment, text=ANSWERS[s % len(ANSWERS)], hand_in=s % 3 != 2
                )
            except services.CourseworkError:
                continue  # e.g. an earlier lesson not yet done, in a course taken in order
            if submission.submitted_at is None:
                continue
            if s % 2 == 0:
                levels = {row["id"]: row["levels"][s % 3]["id"] for row in rubric.rows()}
                services.submission_grade(
                    actor=teacher, submission=submission, levels=levels, feedback="Clear and well tested.", release=True
                )
                graded += 1
            else:
                waiting += 1
    stdout.write(f"coursework: {made} assignments, {graded} graded and released, {waiting} waiting to be graded.")
