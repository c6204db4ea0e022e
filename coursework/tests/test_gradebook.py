"""The gradebook: categories, dropped lowest scores, weights, letters, overrides, the CSV, each
role's access, and a constant number of queries as students and items grow."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.services import enrollment_create, quiz_submit
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from coursework import services
from coursework.gradebook import category_average, course_grade, gradebook, letter_for
from coursework.models import GradeOverride
from coursework.tests.factories import make_assignment
from lms.models import AuditLogEntry
from lms.tests.factories import make_user

D = Decimal


def test_category_average_drops_the_lowest_but_never_everything():
    assert category_average([D(50), D(100), D(80)], drop_lowest=1) == D(90)
    assert category_average([D(40)], drop_lowest=3) == D(40)
    assert category_average([], drop_lowest=1) is None


def test_course_grade_scales_the_weights_of_the_categories_with_grades():
    weights = {"assignment": 60, "quiz": 30, "attendance": 10}
    assert course_grade({"assignment": D(80), "quiz": D(50), "attendance": None}, weights) == D(70)
    assert course_grade({"assignment": None, "quiz": None, "attendance": None}, weights) is None


def test_letters_by_their_lowest_percentage():
    letters = [[90, "A"], [75, "B"], [0, "F"]]
    assert [letter_for(D(p), letters) for p in ("90", "89.9", "75", "0")] == ["A", "B", "B", "F"]


@pytest.fixture
def course(teacher):
    return make_course(teacher, quiz_in_last=True)


def _student(course, email, name):
    student = make_user(email=email, display_name=name)
    enrollment_create(student=student, course=course, source="free")
    return student


def _graded(assignment, student, teacher, *, score):
    submission = services.submission_save(student=student, assignment=assignment, text="work", hand_in=True)
    return services.submission_grade(actor=teacher, submission=submission, score=score, release=True)


def test_the_gradebook_combines_assignments_quizzes_missing_work_and_overrides(course, teacher):
    ann = _student(course, "ann@example.com", "Ann")
    ben = _student(course, "ben@example.com", "Ben")
    essay = make_assignment(course, teacher, title="Essay", points=D(20))
    past = make_assignment(course, teacher, title="Report", due_at=timezone.now() - timedelta(days=1))
    _graded(essay, ann, teacher, score="15")  # 75 %
    quiz_lesson = lessons_of(course)[-1]
    for lesson in lessons_of(course)[:-1]:
        if lesson.pk not in (essay.pk, past.pk):
            from courses.services import lesson_complete

            lesson_complete(student=ann, lesson=lesson, course=course)
    quiz_submit(student=ann, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
    book = gradebook(course=course)
    assert [item.key for item in book.items] == [
        f"assignment:{essay.pk}",
        f"assignment:{past.pk}",
        f"quiz:{quiz_lesson.pk}",
    ]
    rows = {row.student.name: row for row in book.rows}
    # Ann: assignments (75 + 0 for the missing report) / 2 = 37.5; quiz 100; 60/30 weights (no attendance).
    assert rows["Ann"].cells[f"assignment:{past.pk}"].note == "missing"
    assert rows["Ann"].categories == {"assignment": D("37.5"), "quiz": D("100.0"), "attendance": None}
    assert rows["Ann"].grade == D("58.3") and rows["Ann"].letter == "F"
    # Ben has nothing graded but the missing report.
    assert rows["Ben"].grade == D("0.0")
    services.grading_scheme_set(
        actor=teacher,
        course=course,
        assignment_weight=50,
        quiz_weight=50,
        attendance_weight=0,
        drop_lowest_assignments=1,
    )
    services.grade_override_set(
        actor=teacher,
        course=course,
        student=ben,
        item=f"assignment:{past.pk}",
        percent="90",
        reason="Handed in on paper",
    )
    rows = {row.student.name: row for row in gradebook(course=course).rows}
    assert rows["Ann"].grade == D("87.5")  # the missing report dropped: (75 + 100) / 2
    assert rows["Ben"].cells[f"assignment:{past.pk}"].overridden and rows["Ben"].grade == D("90.0")
    assert AuditLogEntry.objects.filter(action="coursework.grade_override", message="Handed in on paper").exists()


def test_an_override_needs_a_reason_a_course_item_and_a_percentage(course, teacher):
    ann = _student(course, "ann@example.com", "Ann")
    essay = make_assignment(course, teacher)
    for item, percent, reason, message in [
        (f"assignment:{essay.pk}", "90", " ", "reason"),
        (f"assignment:{essay.pk}", "101", "x", "0 to 100"),
        ("assignment:999999", "50", "x", "gradebook"),
        ("quiz:abc", "50", "x", "gradebook"),
    ]:
        with pytest.raises(services.CourseworkError, match=message):
            services.grade_override_set(
                actor=teacher, course=course, student=ann, item=item, percent=percent, reason=reason
            )
    assert not GradeOverride.objects.exists()


def test_the_weights_must_add_up_and_letters_parse(course, teacher):
    with pytest.raises(services.CourseworkError, match="add up to 100"):
        services.grading_scheme_set(
            actor=teacher, course=course, assignment_weight=50, quiz_weight=20, attendance_weight=10
        )
    assert services.parse_letters("A 90, B 80, F 0") == [[90, "A"], [80, "B"], [0, "F"]]
    for bad in ("A 90, B 80", "A ninety, F 0", "A 90, B 90, F 0"):
        with pytest.raises(services.CourseworkError):
            services.parse_letters(bad)


def test_the_gradebook_reads_in_as_many_queries_with_ten_times_the_students_and_items(
    course, teacher, django_assert_max_num_queries
):
    def grow(n):
        for i in range(n):
            student = _student(course, f"s{n}-{i}@example.com", f"S{n}-{i}")
            for assignment in assignments:
                _graded(assignment, student, teacher, score="50")

    assignments = [make_assignment(course, teacher, title="A0")]
    grow(2)
    gradebook(course=course)  # the outline read once, as on a running site
    with django_assert_max_num_queries(9) as small:
        gradebook(course=course)
    assignments += [make_assignment(course, teacher, title=f"A{i}") for i in range(1, 4)]
    grow(20)
    course.lessons()
    with django_assert_max_num_queries(len(small.captured_queries)):
        book = gradebook(course=course)
    assert len(book.rows) == 22 and len(book.items) == 4


ROLES = ["anonymous", "student", "enrolled", "teacher", "other_teacher", "staff"]
TEACHING = {"anonymous": 302, "student": 403, "enrolled": 403, "teacher": 200, "other_teacher": 403, "staff": 200}


@pytest.fixture
def world(course, teacher, other_teacher, staff_user, student):
    enrolled = _student(course, "enrolled@example.com", "=HYPERLINK(evil)")
    essay = make_assignment(course, teacher, title="Essay")
    _graded(essay, enrolled, teacher, score="80")
    people = {"anonymous": None, "student": student, "enrolled": enrolled, "teacher": teacher}
    return {**people, "other_teacher": other_teacher, "staff": staff_user, "course": course, "essay": essay}


def _client(world, role):
    client = Client()
    if world[role] is not None:
        client.force_login(world[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_the_gradebook_page_and_csv_by_role(world, role):
    client = _client(world, role)
    page = client.get(f"/coursework/teach/{world['course'].pk}/gradebook/")
    assert page.status_code == TEACHING[role]
    exported = client.get(f"/coursework/teach/{world['course'].pk}/gradebook.csv")
    assert exported.status_code == TEACHING[role]
    if page.status_code == 200:
        assert "80 %" in page.content.decode()
        rows = list(csv.reader(io.StringIO(exported.content.decode())))
        assert rows[0][:3] == ["Student", "Email", "Essay"]
        assert rows[1][0] == "'=HYPERLINK(evil)" and rows[1][2] == "80.0"


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_grade_and_the_scheme_by_role(world, role):
    client = _client(world, role)
    item = f"assignment:{world['essay'].pk}"
    data = {"student": world["enrolled"].pk, "item": item, "percent": "95", "reason": "Re-marked"}
    response = client.post(f"/coursework/teach/{world['course'].pk}/gradebook/override/", data)
    allowed = role in ("teacher", "staff")
    assert response.status_code == (302 if allowed or role == "anonymous" else 403)
    assert GradeOverride.objects.filter(percent=95).exists() == allowed
    scheme = {"assignment_weight": 100, "quiz_weight": 0, "attendance_weight": 0}
    scheme |= {"drop_lowest_assignments": 0, "drop_lowest_quizzes": 0, "letters": "P 50, F 0"}
    response = client.post(f"/coursework/teach/{world['course'].pk}/gradebook/scheme/", scheme)
    assert response.status_code == (302 if allowed or role == "anonymous" else 403)


def test_bad_gradebook_input_re_renders_with_the_error(world):
    client = _client(world, "teacher")
    url = f"/coursework/teach/{world['course'].pk}/gradebook/"
    student, item = world["enrolled"].pk, f"assignment:{world['essay'].pk}"
    bad = client.post(url + "override/", {"student": student, "item": item, "percent": "x", "reason": "r"})
    assert bad.status_code == 400 and "percentage from 0 to 100" in bad.content.decode()
    unknown = client.post(url + "override/", {"student": student, "item": "attendance", "reason": "r"})
    assert unknown.status_code == 400 and 'class="field-error"' in unknown.content.decode()
    scheme = {"assignment_weight": 50, "quiz_weight": 0, "attendance_weight": 0, "drop_lowest_assignments": 0}
    bad = client.post(url + "scheme/", {**scheme, "drop_lowest_quizzes": 0, "letters": "A 90, F 0"})
    assert bad.status_code == 400 and "add up to 100" in bad.content.decode()
    assert not GradeOverride.objects.exists()


MY_GRADES = {"anonymous": 302, "student": 404, "enrolled": 200, "teacher": 404, "other_teacher": 404, "staff": 404}


@pytest.mark.parametrize("role", ROLES)
def test_my_grades_by_role(world, role):
    response = _client(world, role).get(f"/coursework/grades/{world['course'].pk}/")
    assert response.status_code == MY_GRADES[role]
    if role == "enrolled":
        html = response.content.decode()
        assert "Essay" in html and "80 %" in html and "Course grade so far" in html


def test_the_certificate_waits_for_the_minimum_grade(course, teacher):
    from courses.models import Certificate
    from courses.services import lesson_complete

    ann = _student(course, "ann@example.com", "Ann")
    services.grading_scheme_set(
        actor=teacher,
        course=course,
        assignment_weight=100,
        quiz_weight=0,
        attendance_weight=0,
        completion_min_percent=70,
    )
    essay = make_assignment(course, teacher, title="Essay", module_index=1)
    for lesson in lessons_of(course):
        if lesson.pk == essay.pk:
            submission = services.submission_save(student=ann, assignment=essay, text="work", hand_in=True)
        elif lesson.quiz is not None:
            quiz_submit(student=ann, lesson=lesson, answers=QUIZ_ANSWERS_RIGHT)
        else:
            lesson_complete(student=ann, lesson=lesson, course=course)
    assert not Certificate.objects.filter(student=ann).exists()  # every lesson done, no grade yet
    services.submission_grade(actor=teacher, submission=submission, score="60", release=True)
    assert not Certificate.objects.filter(student=ann).exists()  # 60 % < 70 %
    services.grade_override_set(
        actor=teacher, course=course, student=ann, item=f"assignment:{essay.pk}", percent="75", reason="Resubmitted"
    )
    assert Certificate.objects.filter(student=ann, course=course).exists()


# --- The gradebook in pages --------------------------------------------------------------------


@pytest.fixture
def paged(course, teacher, monkeypatch):
    """Five students by name, two to a page; Ben, Dan and Eve in the "Autumn" cohort."""
    from courses.models import Enrollment
    from courses.services import cohort_assign, cohort_create
    from coursework import views

    monkeypatch.setattr(views, "GRADEBOOK_PER_PAGE", 2)
    essay = make_assignment(course, teacher, title="Essay")
    autumn = cohort_create(actor=teacher, course=course, name="Autumn", starts_at=timezone.now(), time_zone="UTC")
    students = {}
    for i, name in enumerate(["Eve", "Ann", "Dan", "Cat", "Ben"]):
        students[name] = _student(course, f"{name.lower()}@example.com", name)
        _graded(essay, students[name], teacher, score=str(50 + i))
        enrollment = Enrollment.objects.get(student=students[name], course=course)
        cohort_assign(actor=teacher, enrollment=enrollment, cohort=autumn if name in ("Ben", "Dan", "Eve") else None)
    client = Client()
    client.force_login(teacher)
    url = f"/coursework/teach/{course.pk}/gradebook/"
    return {"client": client, "url": url, "students": students, "essay": essay, "autumn": autumn, "course": course}


def _rows(html: str) -> list[str]:
    return [name for name in ("Ann", "Ben", "Cat", "Dan", "Eve") if f'font-medium">{name}</th>' in html]


def test_the_gradebook_pages_by_student_and_keeps_the_cohort(paged):
    client, url, autumn = paged["client"], paged["url"], paged["autumn"]
    second = client.get(url, {"page": 2}).content.decode()
    assert _rows(second) == ["Cat", "Dan"] and "5 students" in second and "Page 2 of 3" in second
    assert 'rel="prev" href="?page=1"' in second and 'rel="next" href="?page=3"' in second
    assert "52 %" in second and "53 %" in second  # Dan 52, Cat 53: their own grades
    cohort = client.get(url, {"cohort": autumn.pk, "page": 2}).content.decode()
    assert _rows(cohort) == ["Eve"] and "3 students" in cohort and "Page 2 of 2" in cohort
    assert f'rel="prev" href="?cohort={autumn.pk}&amp;page=1"' in cohort
    assert f'{url}override/?cohort={autumn.pk}&amp;page=2"' in cohort  # the forms come back here
    # The CSV is still the whole course.
    exported = client.get(f"/coursework/teach/{paged['course'].pk}/gradebook.csv").content.decode()
    rows = list(csv.reader(io.StringIO(exported)))
    assert [row[0] for row in rows[1:]] == ["Ann", "Ben", "Cat", "Dan", "Eve"]


@pytest.mark.parametrize("page", ["abc", "0", "-3", "999", ""])
def test_a_gradebook_page_out_of_range_or_garbage_is_still_a_page(paged, page):
    response = paged["client"].get(paged["url"], {"page": page, "cohort": "nonsense"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ("Page 3 of 3" in html) if page in ("0", "-3", "999") else ("Page 1 of 3" in html)


def test_changing_a_grade_from_a_page_returns_to_it_for_any_student_of_the_course(paged):
    client, url, students = paged["client"], paged["url"], paged["students"]
    item = f"assignment:{paged['essay'].pk}"
    data = {"student": students["Ann"].pk, "item": item, "percent": "91", "reason": "Re-marked"}  # Ann: page 1
    response = client.post(url + f"override/?cohort={paged['autumn'].pk}&page=2", data)
    assert response.status_code == 302 and response["Location"] == f"{url}?cohort={paged['autumn'].pk}&page=2"
    assert GradeOverride.objects.get(student=students["Ann"]).percent == 91
    bad = client.post(url + "override/?page=2", {**data, "percent": "x"})
    assert bad.status_code == 400 and _rows(bad.content.decode()) == ["Cat", "Dan"]


def test_a_gradebook_page_reads_in_as_many_queries_with_ten_times_the_students(course, teacher, monkeypatch):
    from coursework import views

    monkeypatch.setattr(views, "GRADEBOOK_PER_PAGE", 3)
    assignments = [make_assignment(course, teacher, title="A0"), make_assignment(course, teacher, title="A1")]

    def grow(n):
        for i in range(n):
            student = _student(course, f"g{n}-{i}@example.com", f"G{n}-{i:02}")
            for assignment in assignments:
                _graded(assignment, student, teacher, score="50")
            quiz_submit(student=student, lesson=lessons_of(course)[-1], answers=QUIZ_ANSWERS_RIGHT)

    grow(3)
    client = Client()
    client.force_login(teacher)
    url = f"/coursework/teach/{course.pk}/gradebook/?page=2"
    client.get(url)  # the outline read once, as on a running site
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(30)
    assignments.append(make_assignment(course, teacher, title="A2"))
    client.get(url)
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert 0 < len(large.captured_queries) <= len(small.captured_queries)
    assert "Page 2 of 11" in html and len(_rows_of(html)) == 3


def _rows_of(html: str) -> list[str]:
    return [part.split("<")[0] for part in html.split('scope="row" class="py-2 pe-4 font-medium">')[1:]]
