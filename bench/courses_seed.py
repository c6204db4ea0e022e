"""The courses benchmark's data and what its users do with it.

`seed(scale)`: 200×scale courses of 10 lessons (2 modules × 5, the last lesson with a quiz),
built with Wagtail's tree API (each course published), and 1,000×scale students enrolled in four
free courses each with some lessons done. Idempotent: a database already seeded at this scale
is kept. `grading_seed()`: one more course for teachers, "bench-grading": 500 students of its
own in 4 cohorts × 40 graded items (30 assignments, 10 quizzes), most work handed in, a share
graded, released or sent back for a regrade (rows by bulk_create: it is a seed).

`plan(path)`: for every scenario of bench/courses_bench.py, the requests its users make, as
JSON lines of [method, path, headers, body] — each signed-in student with a fresh session
and CSRF cookie, each lesson visit, search and write distinct:

  DJANGO_SETTINGS_MODULE=bench.courses_settings python bench/courses_seed.py --scale 1 --plan /tmp/plan
"""

import argparse
import json
import os
import random
import secrets
import sys
import time
import urllib.parse
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.courses_settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from api.models import PersonalAccessToken  # noqa: E402
from api.services import personal_token_create  # noqa: E402
from courses import services  # noqa: E402
from courses.demo import _lesson_body  # noqa: E402
from courses.models import (  # noqa: E402
    Category,
    Cohort,
    CoursePage,
    Enrollment,
    LessonPage,
    LessonProgress,
    ModulePage,
    QuizAttempt,
)
from coursework.models import AssignmentPage, Rubric, Submission  # noqa: E402
from coursework.views import GRADEBOOK_PER_PAGE, QUEUE_PER_PAGE  # noqa: E402
from lms.models import Role, User  # noqa: E402
from lms.services import role_groups_sync, teacher_profile_ensure  # noqa: E402

COURSES, MODULES, LESSONS, STUDENTS, ENROLLMENTS_EACH = 200, 2, 5, 1000, 4
# topic: words its course texts use (so searches for them find something)
TOPICS = {
    "python": ["programming", "functions", "scripts"],
    "javascript": ["browser", "programming", "events"],
    "databases": ["queries", "tables", "indexes"],
    "algebra": ["equations", "variables", "polynomials"],
    "calculus": ["derivatives", "integrals", "limits"],
    "statistics": ["probability", "distributions", "sampling"],
    "chemistry": ["molecules", "reactions", "elements"],
    "biology": ["cells", "genetics", "evolution"],
    "physics": ["motion", "energy", "waves"],
    "astronomy": ["planets", "stars", "telescopes"],
    "history": ["empires", "revolutions", "sources"],
    "philosophy": ["ethics", "logic", "arguments"],
    "economics": ["markets", "inflation", "trade"],
    "accounting": ["ledgers", "balance", "audits"],
    "marketing": ["brands", "campaigns", "audiences"],
    "design": ["typography", "layout", "colour"],
    "drawing": ["sketching", "perspective", "shading"],
    "photography": ["exposure", "lenses", "lighting"],
    "music": ["harmony", "rhythm", "composition"],
    "guitar": ["chords", "strumming", "scales"],
    "writing": ["stories", "editing", "style"],
    "poetry": ["verse", "metaphor", "rhyme"],
    "french": ["grammar", "vocabulary", "conversation"],
    "spanish": ["grammar", "vocabulary", "conversation"],
    "german": ["grammar", "cases", "conversation"],
    "japanese": ["kanji", "hiragana", "conversation"],
    "cooking": ["recipes", "knives", "baking"],
    "nutrition": ["vitamins", "diets", "metabolism"],
    "psychology": ["memory", "behaviour", "emotions"],
    "networking": ["protocols", "routers", "packets"],
    "security": ["encryption", "passwords", "threats"],
    "geology": ["rocks", "minerals", "earthquakes"],
    "sociology": ["communities", "institutions", "culture"],
    "law": ["contracts", "courts", "rights"],
    "gardening": ["soil", "seeds", "pruning"],
    "yoga": ["breathing", "postures", "balance"],
    "robotics": ["sensors", "motors", "control"],
    "linguistics": ["phonetics", "syntax", "semantics"],
    "architecture": ["buildings", "structures", "drawings"],
    "journalism": ["reporting", "interviews", "headlines"],
}
PREFIXES = ["Introduction to", "Advanced", "Practical", "Foundations of", "Applied"]
PREFIXES += ["Modern", "Essential", "Hands-on", "Mastering", "Everyday"]
LEVELS = ["beginner", "intermediate", "advanced"]


def _course_text(c: int) -> tuple[str, str, str, list[str]]:
    topic = list(TOPICS)[c % len(TOPICS)]
    words = TOPICS[topic]
    prefix = PREFIXES[(c // len(TOPICS)) % len(PREFIXES)]
    round_ = c // (len(TOPICS) * len(PREFIXES))
    title = f"{prefix} {topic.title()}" + (f" {round_ + 1}" if round_ else "")
    summary = f"Learn {topic} through {words[0]} and {words[1]}, one short lesson at a time."
    description = (
        f"<p>A course about {topic} for curious people: {', '.join(words)} and how they fit together.</p>"
        f"<p>Every module ends with an exercise on {words[2]}.</p>"
    )
    return title, summary, description, words


def _lesson_title(words: list[str], n: int) -> str:
    return f"{words[n % len(words)].title()}, part {n}"


def seed(scale: int) -> None:
    """Create what is missing for `scale` (an earlier smaller seed is extended)."""
    random.seed(7)
    n_courses, n_students = COURSES * scale, STUDENTS * scale
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
    categories = []
    for topic in TOPICS:
        category, _ = Category.objects.get_or_create(slug=f"bench-{topic}", defaults={"name": topic.title()})
        categories.append(category)
    existing = set(CoursePage.objects.filter(slug__startswith="bench-course-").values_list("slug", flat=True))
    started = time.monotonic()
    for c in range(n_courses):
        if f"bench-course-{c}" in existing:
            continue
        with transaction.atomic():
            _course_create(c, index, teachers[c % len(teachers)], categories[c % len(categories)])
        if c % 50 == 49:
            print(f"  {c + 1} courses ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    _students_create(n_students)
    grading_seed()
    # A database seeded before the catalog search existed gets its documents now.
    for course in CoursePage.objects.filter(slug__startswith="bench-course-", search_document__isnull=True):
        course.search_document_update()


def _course_create(c: int, index, teacher: User, category: Category) -> None:
    title, summary, description, words = _course_text(c)
    course = CoursePage(
        title=title,
        slug=f"bench-course-{c}",
        summary=summary,
        description=description,
        category=category,
        level=LEVELS[c % len(LEVELS)],
        price=Decimal("0") if c % 3 else Decimal("20"),
        owner=teacher,
        learning_outcomes="Explain the key ideas\nSolve the exercises\nUse it in a project",
    )
    course.teachers = [teacher]
    index.add_child(instance=course)
    course.save_revision(user=teacher).publish()
    # Modules and lessons are created live, as a publish leaves them but without a revision
    # each (publishing every page makes a tenfold seed take an hour); then the course's
    # search document is built once, as the last publish would have.
    now = timezone.now()
    n = 0
    for m in range(MODULES):
        module = ModulePage(title=f"Module {m + 1}: {words[m].title()}", owner=teacher, first_published_at=now)
        course.add_child(instance=module)
        for _ in range(LESSONS):
            n += 1
            lesson_title = _lesson_title(words, n)
            lesson = LessonPage(
                title=lesson_title,
                owner=teacher,
                body=_lesson_body(title, module.title, lesson_title, n, n == MODULES * LESSONS),
                free_preview=n == 1,
                first_published_at=now,
            )
            module.add_child(instance=lesson)
    course.search_document_update()


def _students_create(n_students: int) -> None:
    have = User.objects.filter(email__startswith="bench-student").count()
    if have >= n_students:
        return
    free = list(CoursePage.objects.live().filter(slug__startswith="bench-course-", price=0).order_by("pk"))
    lessons_by_course = _lessons_by_course()
    with transaction.atomic():
        students = User.objects.bulk_create(
            [
                User(email=f"bench-student{i}@lyceum.test", display_name=f"Student {i}", role=Role.STUDENT)
                for i in range(have, n_students)
            ],
            batch_size=2000,
        )
        for s in students:
            s.set_unusable_password()
        User.objects.bulk_update(students, ["password"], batch_size=2000)
        enrollments, progress = [], []
        for student in students:
            for course in random.sample(free, ENROLLMENTS_EACH):
                enrollments.append(Enrollment(student=student, course=course, source=Enrollment.Source.FREE))
                for lesson_id, _url, _quiz in lessons_by_course[course.pk][: random.randint(0, 8)]:
                    progress.append(LessonProgress(student=student, course=course, lesson_id=lesson_id))
        Enrollment.objects.bulk_create(enrollments, batch_size=5000)
        LessonProgress.objects.bulk_create(progress, batch_size=5000)


def _lessons_by_course() -> dict[int, list[tuple[int, str, bool]]]:
    """course id → its lessons as (id, url, has a quiz), in order."""
    courses = {c.path: c.pk for c in CoursePage.objects.filter(slug__startswith="bench-course-").only("id", "path")}
    found: dict[int, list[tuple[int, str, bool]]] = {pk: [] for pk in courses.values()}
    for lesson in LessonPage.objects.live().filter(path__startswith=min(courses)[:8]).order_by("path"):
        course_id = courses.get(lesson.path[: -2 * LessonPage.steplen])
        if course_id is not None:
            found[course_id].append((lesson.pk, lesson.url, lesson.quiz is not None))
    return found


# --- A course being graded ---------------------------------------------------------------------

GRADING_STUDENTS, GRADING_ASSIGNMENTS, GRADING_QUIZZES, GRADING_COHORTS, GRADERS = 500, 30, 10, 4, 3


def _rubric_criteria() -> str:
    def criterion(name: str) -> dict:
        levels = [
            {"type": "item", "id": str(uuid.uuid4()), "value": {"label": label, "points": points, "description": ""}}
            for label, points in (("Excellent", "10"), ("Good", "6"), ("Weak", "2"))
        ]
        value = {"title": name, "description": "", "levels": levels}
        return {"type": "criterion", "id": str(uuid.uuid4()), "value": value}

    return json.dumps([criterion("Argument"), criterion("Evidence"), criterion("Style")])


def grading_seed() -> None:
    """The course its teachers grade: 4 modules of 10 items (an assignment every item, a quiz
    lesson every fourth), 500 students in 4 cohorts, their work and quiz attempts."""
    if CoursePage.objects.filter(slug="bench-grading").exists():
        return
    rng = random.Random(23)
    index = services.catalog_page_ensure()
    graders = []
    for i in range(GRADERS):
        user, created = User.objects.get_or_create(
            email=f"bench-grader{i}@lyceum.test", defaults={"display_name": f"Grader {i}", "role": Role.TEACHER}
        )
        if created:
            role_groups_sync(user=user)
            teacher_profile_ensure(user=user)
        graders.append(user)
    now = timezone.now()
    with transaction.atomic():
        course = CoursePage(
            title="Academic Writing (graded)",
            slug="bench-grading",
            summary="Essays, reports and quizzes, graded by the course's teachers.",
            description="<p>A writing course with weekly assignments.</p>",
            level="intermediate",
            price=Decimal("0"),
            owner=graders[0],
        )
        course.teachers = graders
        index.add_child(instance=course)
        course.save_revision(user=graders[0]).publish()
        rubric = Rubric.objects.create(title="Essay rubric (bench)", owner=graders[0], criteria=_rubric_criteria())
        assignments, quizzes, n = [], [], 0
        per_module = (GRADING_ASSIGNMENTS + GRADING_QUIZZES) // 4
        for m in range(4):
            module = ModulePage(title=f"Week block {m + 1}", owner=graders[0], first_published_at=now)
            course.add_child(instance=module)
            for _ in range(per_module):
                n += 1
                if n % 4 == 0:  # every fourth item a quiz lesson
                    title = f"Check your understanding {len(quizzes) + 1}"
                    lesson = LessonPage(
                        title=title,
                        owner=graders[0],
                        body=_lesson_body(course.title, module.title, title, n, True),
                        first_published_at=now,
                    )
                    module.add_child(instance=lesson)
                    quizzes.append(lesson)
                    continue
                k = len(assignments)
                body = [{"type": "paragraph", "id": str(uuid.uuid4()), "value": f"<p>Write assignment {k + 1}.</p>"}]
                assignment = AssignmentPage(
                    title=f"Assignment {k + 1}",
                    owner=graders[0],
                    body=json.dumps(body),
                    first_published_at=now,
                    points=Decimal(100 if k % 3 else 20),
                    # the first 20 were due in the past weeks, the rest are due in the coming ones
                    due_at=now + timedelta(days=7 * (k - 19)),
                    rubric=rubric if k % 2 else None,
                )
                module.add_child(instance=assignment)
                assignments.append(assignment)
        cohorts = Cohort.objects.bulk_create(
            Cohort(course=course, name=f"Cohort {c + 1}", starts_at=now - timedelta(days=150 - 14 * c))
            for c in range(GRADING_COHORTS)
        )
        students = User.objects.bulk_create(
            User(email=f"bench-pupil{i}@lyceum.test", display_name=f"Pupil {i:03}", role=Role.STUDENT)
            for i in range(GRADING_STUDENTS)
        )
        Enrollment.objects.bulk_create(
            Enrollment(student=s, course=course, source=Enrollment.Source.FREE, cohort=cohorts[i % len(cohorts)])
            for i, s in enumerate(students)
        )
        submissions = []
        for k, assignment in enumerate(assignments):
            for student in students:
                roll = rng.random()
                if roll < 0.05:
                    continue  # not started
                row = Submission(assignment=assignment, student=student, text="My work. " * 40)
                if roll >= 0.10:  # handed in (else a draft)
                    row.submitted_at = assignment.due_at - timedelta(hours=rng.uniform(-12, 24 * 6))
                    if row.submitted_at > now:  # not due yet: some handed in already
                        if rng.random() > 0.3:
                            submissions.append(row)
                            continue
                        row.submitted_at = now - timedelta(hours=rng.uniform(1, 72))
                    row.times_submitted = 1
                    # the older the assignment, the more of it graded
                    if row.submitted_at < now and rng.random() < (0.9 if k < 15 else 0.4):
                        row.score = Decimal(rng.randrange(30, 101)) * assignment.points / 100
                        row.graded_by = graders[k % len(graders)]
                        row.graded_at = row.submitted_at + timedelta(days=2)
                        row.feedback = "Clear argument; cite your sources."
                        if rng.random() < 0.7:
                            row.released_at = row.graded_at
                            if rng.random() < 0.05:
                                row.regrade_requested_at = row.released_at + timedelta(days=1)
                                row.regrade_reason = "Please look at the second part again."
                submissions.append(row)
        Submission.objects.bulk_create(submissions, batch_size=5000)
        attempts = []
        for lesson in quizzes:
            quiz_id = lesson.quiz.id
            for student in students:
                if rng.random() < 0.8:
                    score = rng.randrange(20, 101)
                    attempts.append(
                        QuizAttempt(
                            student=student,
                            course=course,
                            lesson=lesson,
                            quiz_id=quiz_id,
                            score=score,
                            passed=score >= 60,
                        )
                    )
        QuizAttempt.objects.bulk_create(attempts, batch_size=5000)


def _grading_requests(rng: random.Random, headers: dict[int, dict]) -> list[list]:
    """The grading course's teachers at work: a quarter queue pages (filters and pages as a
    teacher uses them: mostly the first pages), a fifth gradebook pages, the rest grading pages,
    each of a different handed-in submission, opened from the queue it is in."""
    course = CoursePage.objects.get(slug="bench-grading")
    graders = list(course.teachers.order_by("pk"))
    cohorts = list(course.cohorts.values_list("pk", flat=True))
    assignments = list(AssignmentPage.objects.descendant_of(course).order_by("path").values_list("pk", flat=True))
    handed_in = list(
        Submission.objects.filter(assignment__in=assignments, submitted_at__isnull=False).values_list(
            "pk", "assignment_id", "graded_at", "regrade_requested_at"
        )
    )
    todo = Q(graded_at__isnull=True) | Q(regrade_requested_at__isnull=False)
    lengths = {}  # (assignment or None, show) → submissions in that queue
    for show, where in (("todo", todo), ("graded", ~todo), ("all", Q())):
        rows = Submission.objects.filter(where, assignment__in=assignments, submitted_at__isnull=False)
        lengths[(None, show)] = rows.count()
        for assignment_id, count in rows.order_by().values_list("assignment_id").annotate(n=Count("pk")):
            lengths[(assignment_id, show)] = count
    students = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    book_lengths = {None: students.count()}
    book_lengths |= dict(students.order_by().values_list("cohort_id").annotate(n=Count("pk")))

    def page(count: int, per_page: int) -> int:
        pages = max(1, -(-count // per_page))
        return min(pages, 1 + int(rng.expovariate(0.6)))  # the first pages mostly, now and then deep

    def cookie() -> dict:
        return {"Cookie": headers[rng.choice(graders).pk]["Cookie"]}

    requests = []
    rng.shuffle(handed_in)
    for pk, assignment_id, graded_at, regrade_at in handed_in:
        show = "todo" if graded_at is None or regrade_at is not None else rng.choice(["graded", "all"])
        query = f"?show={show}" + (f"&assignment={assignment_id}" if rng.random() < 0.7 else "")
        requests.append(["GET", f"/coursework/teach/submissions/{pk}/{query}", cookie(), ""])
        roll = rng.random()
        if roll < 0.5:
            assignment_id = rng.choice([None, None, *assignments])
            show = rng.choices(["todo", "graded", "all"], [6, 2, 2])[0]
            number = page(lengths.get((assignment_id, show), 0), QUEUE_PER_PAGE)
            query = f"?show={show}" + (f"&assignment={assignment_id}" if assignment_id else "") + f"&page={number}"
            requests.append(["GET", f"/coursework/teach/{course.pk}/grading/{query}", cookie(), ""])
        elif roll < 0.9:
            cohort = rng.choice([None, None, *cohorts])
            number = page(book_lengths.get(cohort, 0), GRADEBOOK_PER_PAGE)
            query = (f"?cohort={cohort}&" if cohort else "?") + f"page={number}"
            requests.append(["GET", f"/coursework/teach/{course.pk}/gradebook/{query}", cookie(), ""])
    rng.shuffle(requests)
    return requests


# --- What the users do -------------------------------------------------------------------------

QUIZ_ANSWERS = "q-0=1&q-1=true&q-2=practice"
MAX_PLANNED = 60_000


def _signed_in(students: list[User]) -> dict[int, dict]:
    """A fresh session and CSRF secret per student (the sessions of an earlier plan are dropped)."""
    Session.objects.filter(session_key__startswith="bench").delete()
    expires = timezone.now() + timezone.timedelta(days=1)
    store = SessionStore()
    backend = "django.contrib.auth.backends.ModelBackend"
    if backend not in settings.AUTHENTICATION_BACKENDS:
        backend = settings.AUTHENTICATION_BACKENDS[0]
    headers, rows = {}, []
    for student in students:
        key = "bench" + secrets.token_hex(14)
        data = {SESSION_KEY: str(student.pk), BACKEND_SESSION_KEY: backend}
        data[HASH_SESSION_KEY] = student.get_session_auth_hash()
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        headers[student.pk] = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf,
        }
    Session.objects.bulk_create(rows, batch_size=5000)
    return headers


def _api_tokens(students: list[User]) -> dict[int, dict]:
    """A read-and-write personal access token per student, as an app or integration holds one."""
    PersonalAccessToken.objects.filter(name="bench").delete()
    return {
        student.pk: {"Authorization": f"Bearer {personal_token_create(user=student, name='bench', scope='write')[1]}"}
        for student in students
    }


def _api_requests(rng, students, tokens, enrolled, lessons, searches) -> list[list]:
    """Students' apps through /api/v1/: their courses and progress, course outlines, lessons
    (no student × lesson twice), catalog pages and searches (each distinct), notifications."""
    requests = []
    for student in students:
        auth = tokens[student.pk]
        requests.append(["GET", "/api/v1/enrolments/", auth, ""])
        requests.append(["GET", "/api/v1/notifications/", auth, ""])
        for course_id in enrolled.get(student.pk, []):
            requests.append(["GET", f"/api/v1/courses/{course_id}/", auth, ""])
            for lesson_id, _url, _quiz in lessons[course_id]:
                requests.append(["GET", f"/api/v1/lessons/{lesson_id}/", auth, ""])
    for path, _headers in searches:
        query = dict(urllib.parse.parse_qsl(path.split("?", 1)[1]))
        query.pop("page", None)
        query["page_size"] = str(rng.choice([10, 20, 50]))
        requests.append(
            ["GET", "/api/v1/courses/?" + urllib.parse.urlencode(query), rng.choice(list(tokens.values())), ""]
        )
    rng.shuffle(requests)
    return requests[:MAX_PLANNED]


def _searches(rng: random.Random, n: int) -> list[tuple[str, dict]]:
    """n distinct catalog searches: words, two-word queries, prefixes typed so far, typos, words
    found nowhere, some with filters, sorting or a second page; 70 % are htmx's partial requests."""
    words = sorted({w for topic, related in TOPICS.items() for w in (topic, *related)})

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 1)
        kind = rng.randrange(3)
        if kind == 0:  # two letters swapped
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if kind == 1:  # a letter dropped
            return word[:i] + word[i + 1 :]
        return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]  # one letter wrong

    def query() -> str:
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(words)
        if roll < 0.55:
            return f"{rng.choice(words)} {rng.choice(words)}"
        if roll < 0.70:
            word = rng.choice([w for w in words if len(w) > 4])
            return word[: rng.randrange(3, len(word))]  # typed so far
        if roll < 0.90:
            return typo(rng.choice([w for w in words if len(w) > 4]))
        return rng.choice(["quantum", "knitting", "sailing", "origami", "blockchain"]) + str(rng.randrange(99))

    seen, found = set(), []
    while len(found) < n:
        params = {"q": query()}
        if rng.random() < 0.25:
            name, values = rng.choice([("level", LEVELS), ("price", ["free", "paid"]), ("sort", ["popular", "title"])])
            params[name] = rng.choice(values)
        if rng.random() < 0.1:
            params["page"] = "2"
        path = "/courses/?" + urllib.parse.urlencode(params)
        if path in seen:
            continue
        seen.add(path)
        partial = rng.random() < 0.7
        headers = {"HX-Request": "true", "HX-Target": "course-results", "HX-Current-URL": "/courses/"}
        found.append((path, headers if partial else {}))
    return found


def plan(directory: Path) -> dict:
    """Write one file of requests per scenario into `directory`; returns the counts."""
    rng = random.Random(11)
    students = list(User.objects.filter(email__startswith="bench-student").order_by("pk"))
    graders = list(User.objects.filter(email__startswith="bench-grader").order_by("pk"))
    signed_in = _signed_in(students + graders)
    lessons = _lessons_by_course()
    enrolled: dict[int, list[int]] = {}
    for student_id, course_id in Enrollment.objects.filter(
        student__in=students, status=Enrollment.Status.ACTIVE
    ).values_list("student_id", "course_id"):
        enrolled.setdefault(student_id, []).append(course_id)
    done = set(
        LessonProgress.objects.filter(student__in=students).values_list("student_id", "lesson_id").iterator(10000)
    )
    tried = set(QuizAttempt.objects.filter(student__in=students).values_list("student_id", "lesson_id"))
    free = list(
        CoursePage.objects.live().filter(slug__startswith="bench-course-", price=0).values_list("pk", flat=True)
    )
    course_urls = [c.url for c in CoursePage.objects.live().filter(slug__startswith="bench-course-").order_by("pk")]
    categories = list(Category.objects.filter(slug__startswith="bench-").values_list("slug", flat=True))

    scenarios: dict[str, list] = {name: [] for name in ("floor", "lesson", "dashboard", "search", "anon", "write")}
    scenarios["grading"] = _grading_requests(rng, signed_in)[:MAX_PLANNED]
    scenarios["floor"].append(["GET", "/bench/floor/", {}, ""])
    for student in students:
        headers = signed_in[student.pk]
        scenarios["dashboard"].append(["GET", "/dashboard/student/", {"Cookie": headers["Cookie"]}, ""])
        for course_id in enrolled.get(student.pk, []):
            for lesson_id, url, has_quiz in lessons[course_id]:
                scenarios["lesson"].append(["GET", url, {"Cookie": headers["Cookie"]}, ""])
                htmx = {**headers, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
                if has_quiz and (student.pk, lesson_id) not in tried:
                    path = f"/courses/lessons/{lesson_id}/quiz/"
                    scenarios["write"].append(["POST", path, {**htmx, "HX-Target": "quiz"}, QUIZ_ANSWERS])
                elif not has_quiz and (student.pk, lesson_id) not in done:
                    path = f"/courses/lessons/{lesson_id}/complete/"
                    scenarios["write"].append(["POST", path, {**htmx, "HX-Target": "lesson-status"}, ""])
        mine = set(enrolled.get(student.pk, []))
        for course_id in rng.sample(free, 3):
            if course_id not in mine:
                form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
                scenarios["write"].append(["POST", f"/courses/enroll/{course_id}/", form, ""])
    searches = _searches(rng, min(len(scenarios["lesson"]) // 2, MAX_PLANNED))
    for path, headers in searches:
        scenarios["search"].append(["GET", path, headers, ""])
    tokens = _api_tokens(students)
    scenarios["api"] = _api_requests(rng, students, tokens, enrolled, lessons, searches[: len(searches) // 4])
    catalog = ["/courses/", *(f"/courses/?page={p}" for p in range(2, 8))]
    catalog += [f"/courses/?category={slug}" for slug in categories]
    catalog += [f"/courses/?level={level}" for level in LEVELS] + ["/courses/?price=free", "/courses/?sort=popular"]
    # Visitors' pages, each once to warm the cache as a running site has it, then visits in
    # proportion to popularity (a Zipf spread: the n-th page 1/n as often as the first).
    pages = [*catalog[:1], *rng.sample(course_urls, len(course_urls)), *catalog[1:]]
    scenarios["warm"] = [["GET", url, {}, ""] for url in pages]
    weights = [1 / rank for rank in range(1, len(pages) + 1)]
    scenarios["anon"] = [["GET", url, {}, ""] for url in rng.choices(pages, weights, k=MAX_PLANNED)]
    for name in ("lesson", "dashboard", "search", "write"):
        rng.shuffle(scenarios[name])
        del scenarios[name][MAX_PLANNED:]  # more than any run sends
    directory.mkdir(parents=True, exist_ok=True)
    for name, requests in scenarios.items():
        with open(directory / f"{name}.jsonl", "w") as out:
            for request in requests:
                out.write(json.dumps(request) + "\n")
    return {name: len(requests) for name, requests in scenarios.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--plan", type=Path, required=True, help="directory for the request files")
    args = parser.parse_args()
    seed(args.scale)
    print(json.dumps(plan(args.plan)))
