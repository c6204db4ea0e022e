"""Seed the benchmark database: 200 courses × 10 lessons (2 modules × 5), 1,000 students
enrolled in a few courses each with some progress. Prints a student's session cookie
and the URLs to measure as JSON on the last line."""

import json
import os
import random
import sys
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.courses_settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402

from courses import services  # noqa: E402
from courses.demo import _lesson_body  # noqa: E402
from courses.models import Category, CoursePage, Enrollment, LessonPage, LessonProgress, ModulePage  # noqa: E402
from lms.models import Role, User  # noqa: E402
from lms.services import role_groups_sync, teacher_profile_ensure  # noqa: E402

COURSES, MODULES, LESSONS, STUDENTS = 200, 2, 5, 1000
WORDS = [
    *("python", "algebra", "history", "chemistry", "design", "music"),
    *("finance", "biology", "drawing", "physics", "writing", "data"),
]


@transaction.atomic
def seed() -> dict:
    random.seed(7)
    index = services.catalog_page_ensure()
    services.course_permissions_ensure()
    teachers = []
    for i in range(10):
        user, created = User.objects.get_or_create(
            email=f"bench-teacher{i}@lyceum.test", defaults={"display_name": f"Teacher {i}", "role": Role.TEACHER}
        )
        if created:
            role_groups_sync(user=user)
            teacher_profile_ensure(user=user)
        teachers.append(user)
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    if not CoursePage.objects.filter(slug="bench-course-0").exists():
        for c in range(COURSES):
            teacher = teachers[c % len(teachers)]
            word = WORDS[c % len(WORDS)]
            course = CoursePage(
                title=f"{word.title()} course {c}",
                slug=f"bench-course-{c}",
                summary=f"Everything about {word}, course number {c}.",
                description=f"<p>A benchmark course about {word}.</p>",
                category=category,
                price=Decimal("0") if c % 3 else Decimal("20"),
                owner=teacher,
                learning_outcomes="One\nTwo\nThree",
            )
            course.teachers = [teacher]
            index.add_child(instance=course)
            course.save_revision(user=teacher).publish()
            n = 0
            for m in range(MODULES):
                module = ModulePage(title=f"Module {m + 1}", owner=teacher)
                course.add_child(instance=module)
                module.save_revision(user=teacher).publish()
                for _ in range(LESSONS):
                    n += 1
                    lesson = LessonPage(
                        title=f"Lesson {n}",
                        owner=teacher,
                        body=_lesson_body(course.title, module.title, f"Lesson {n} on {word}", n, n == 10),
                        free_preview=n == 1,
                    )
                    module.add_child(instance=lesson)
                    lesson.save_revision(user=teacher).publish()
    free = list(CoursePage.objects.filter(slug__startswith="bench-course-", price=0).order_by("pk"))
    if not User.objects.filter(email="bench-student0@lyceum.test").exists():
        students = User.objects.bulk_create(
            [
                User(email=f"bench-student{i}@lyceum.test", display_name=f"Student {i}", role=Role.STUDENT)
                for i in range(STUDENTS)
            ]
        )
        for s in students:
            s.set_unusable_password()
        User.objects.bulk_update(students, ["password"])
        lessons_by_course = {}
        for lesson in LessonPage.objects.filter(path__startswith=index.path).order_by("path").only("id", "path"):
            lessons_by_course.setdefault(lesson.path[: -2 * LessonPage.steplen], []).append(lesson.pk)
        enrollments, progress = [], []
        for student in students:
            for course in random.sample(free, 4):
                enrollments.append(Enrollment(student=student, course=course, source=Enrollment.Source.FREE))
                for lesson_id in lessons_by_course[course.path][: random.randint(0, 9)]:
                    progress.append(LessonProgress(student=student, course=course, lesson_id=lesson_id))
        Enrollment.objects.bulk_create(enrollments, batch_size=2000)
        LessonProgress.objects.bulk_create(progress, batch_size=5000)
    student = User.objects.get(email="bench-student0@lyceum.test")
    enrollment = Enrollment.objects.filter(student=student).select_related("course").first()
    lesson = LessonPage.objects.descendant_of(enrollment.course).live().order_by("path")[3]
    session = SessionStore()
    session[SESSION_KEY] = str(student.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = student.get_session_auth_hash()
    session.create()
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "course": enrollment.course.url,
        "lesson": lesson.url,
    }


if __name__ == "__main__":
    print(json.dumps(seed()))
