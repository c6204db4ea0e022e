"""A course's gradebook: every enrolled student × every graded item (assignments, quizzes,
attendance of live classes), each category's average after dropping its lowest scores, and the
weighted course grade with its letter. Read in a constant number of queries whatever the
number of students and items (`gradebook`); computed by plain functions (`category_average`,
`course_grade`, `letter_for`) that the tests drive directly."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage, Enrollment, QuizAttempt
from coursework.models import (
    AssignmentPage,
    CohortDueDate,
    Extension,
    GradeOverride,
    GradingScheme,
    Submission,
    default_letters,
)
from live.models import Participant

HUNDRED = Decimal(100)
CATEGORIES = {"assignment": _("Assignments"), "quiz": _("Quizzes"), "attendance": _("Attendance")}


@dataclass(frozen=True)
class Item:
    key: str  # "assignment:12", "quiz:34" or "attendance"
    category: str
    title: str
    url: str = ""


@dataclass
class Cell:
    percent: Decimal | None  # None: not graded yet (left out of the averages)
    overridden: bool = False
    reason: str = ""
    note: str = ""  # "missing", "not released", "late"


@dataclass
class Row:
    student: object
    cells: dict[str, Cell] = field(default_factory=dict)
    categories: dict[str, Decimal | None] = field(default_factory=dict)
    grade: Decimal | None = None
    letter: str = ""
    ordered: list[Cell] = field(default_factory=list)

    def in_order(self, items: list[Item]) -> list[Cell]:
        return [self.cells[item.key] for item in items]


@dataclass
class Gradebook:
    course: CoursePage
    scheme: GradingScheme
    items: list[Item]
    rows: list[Row]

    def items_in(self, category: str) -> list[Item]:
        return [item for item in self.items if item.category == category]


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


def category_average(percents: list[Decimal], *, drop_lowest: int = 0) -> Decimal | None:
    """The mean of the graded items, the `drop_lowest` lowest left out (never all of them)."""
    if not percents:
        return None
    kept = sorted(percents)[min(drop_lowest, len(percents) - 1) :]
    return sum(kept, Decimal(0)) / len(kept)


def course_grade(averages: dict[str, Decimal | None], weights: dict[str, int]) -> Decimal | None:
    """The weighted mean of the categories that have a grade (their weights scaled to 100 %)."""
    used = {name: value for name, value in averages.items() if value is not None and weights.get(name)}
    total = sum(weights[name] for name in used)
    if not total:
        return None
    return sum((value * weights[name] for name, value in used.items()), Decimal(0)) / total


def letter_for(percent: Decimal | None, letters: list) -> str:
    if percent is None:
        return ""
    for minimum, letter in sorted(letters or default_letters(), key=lambda pair: -Decimal(str(pair[0]))):
        if percent >= Decimal(str(minimum)):
            return str(letter)
    return ""


def scheme_for(course: CoursePage) -> GradingScheme:
    return GradingScheme.objects.filter(course=course).first() or GradingScheme(course=course)


STUDENT_ORDER = ("student__display_name", "student__email", "student_id")


def gradebook_student_ids(*, course: CoursePage, cohort=None):
    """The ids of the course's active students (of `cohort`, if given) in the gradebook's order:
    a queryset to page through."""
    enrollments = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    if cohort is not None:
        enrollments = enrollments.filter(cohort=cohort)
    return enrollments.order_by(*STUDENT_ORDER).values_list("student_id", flat=True)


def gradebook(*, course: CoursePage, students=None, released_only: bool = False) -> Gradebook:
    """The gradebook of `course` for its active students (or those of `students` enrolled: a
    page of them, one student), its columns the course's either way. `released_only`: a
    student's own view, where an assignment counts once its grade is released."""
    scheme = scheme_for(course)
    enrollments = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    some = students is not None
    if some:
        enrollments = enrollments.filter(student__in=students)
    enrollments = list(enrollments.select_related("student").order_by(*STUDENT_ORDER))
    students = [enrollment.student for enrollment in enrollments]
    cohort_of = {enrollment.student_id: enrollment.cohort_id for enrollment in enrollments}
    student_ids = [s.pk for s in students]
    assignments = list(
        AssignmentPage.objects.descendant_of(course)
        .live()
        .order_by("path")
        .only("id", "title", "url_path", "path", "depth", "points", "due_at", "cut_off_at", "locale_id")
    )
    lessons = {lesson.pk: lesson for lesson in course.lessons()}
    submissions = {
        (s.student_id, s.assignment_id): s
        for s in Submission.objects.filter(assignment__in=assignments, student_id__in=student_ids).only(
            "student_id", "assignment_id", "submitted_at", "score", "late_penalty", "graded_at", "released_at"
        )
    }
    best = {
        (row["student_id"], row["lesson_id"]): Decimal(row["best"])
        for row in QuizAttempt.objects.filter(course=course, student_id__in=student_ids)
        .values("student_id", "lesson_id")
        .annotate(best=Max("score"))
    }
    extensions = {
        (e.student_id, e.assignment_id): e
        for e in Extension.objects.filter(assignment__in=assignments, student_id__in=student_ids)
    }
    cohort_dates = {
        (d.cohort_id, d.assignment_id): d
        for d in CohortDueDate.objects.filter(
            assignment__in=assignments, cohort_id__in=set(cohort_of.values()) - {None}
        )
    }
    order = {pk: position for position, pk in enumerate(lessons)}
    attendance = _attendance(course=course, student_ids=student_ids)
    if some:  # the columns are the course's, whichever students are read (a page, one student)
        quizzes = set(
            QuizAttempt.objects.filter(course=course).order_by().values_list("lesson_id", flat=True).distinct()
        )
        marked = _attendance_marked(course)
    else:
        quizzes, marked = {lesson_id for _student, lesson_id in best}, bool(attendance)
    quiz_lessons = sorted(quizzes, key=lambda pk: order.get(pk, len(order)))
    overrides = {
        (o.student_id, o.item): o for o in GradeOverride.objects.filter(course=course, student_id__in=student_ids)
    }

    items = [Item(f"assignment:{a.pk}", "assignment", a.title, a.url) for a in assignments]
    items += [
        Item(
            f"quiz:{pk}",
            "quiz",
            lessons[pk].title if pk in lessons else str(_("Quiz")),
            lessons[pk].url if pk in lessons else "",
        )
        for pk in quiz_lessons
    ]
    if marked:
        items.append(Item("attendance", "attendance", str(_("Live classes"))))

    now = timezone.now()
    weights = {
        "assignment": scheme.assignment_weight,
        "quiz": scheme.quiz_weight,
        "attendance": scheme.attendance_weight,
    }
    drops = {"assignment": scheme.drop_lowest_assignments, "quiz": scheme.drop_lowest_quizzes}
    rows = []
    for student in students:
        row = Row(student=student)
        for assignment in assignments:
            row.cells[f"assignment:{assignment.pk}"] = _assignment_cell(
                submissions.get((student.pk, assignment.pk)),
                assignment,
                extensions.get((student.pk, assignment.pk)),
                cohort_dates.get((cohort_of.get(student.pk), assignment.pk)),
                now=now,
                released_only=released_only,
            )
        for pk in quiz_lessons:
            found = best.get((student.pk, pk))
            row.cells[f"quiz:{pk}"] = Cell(found)
        if marked:
            attended, of = attendance.get(student.pk, (0, 0))
            row.cells["attendance"] = Cell(HUNDRED * attended / of if of else None)
        for key, cell in row.cells.items():
            override = overrides.get((student.pk, key))
            if override is not None:
                cell.percent, cell.overridden, cell.reason = override.percent, True, override.reason
        for category in CATEGORIES:
            percents = [row.cells[i.key].percent for i in items if i.category == category]
            average = category_average([p for p in percents if p is not None], drop_lowest=drops.get(category, 0))
            row.categories[category] = _quantize(average) if average is not None else None
        grade = course_grade(row.categories, weights)
        row.grade = _quantize(grade) if grade is not None else None
        row.letter = letter_for(row.grade, scheme.letters)
        for cell in row.cells.values():
            if cell.percent is not None:
                cell.percent = _quantize(cell.percent)
        row.ordered = row.in_order(items)  # for templates, beside the items' headings
        rows.append(row)
    return Gradebook(course=course, scheme=scheme, items=items, rows=rows)


def _assignment_cell(
    submission: Submission | None,
    assignment: AssignmentPage,
    extension: Extension | None,
    cohort_date: CohortDueDate | None,
    *,
    now,
    released_only: bool,
) -> Cell:
    graded = submission is not None and submission.graded_at is not None
    if graded and (submission.released_at or not released_only):
        note = "" if submission.released_at else "not released"
        return Cell(HUNDRED * submission.final_score / assignment.points, note=note)
    handed_in = submission is not None and submission.submitted_at is not None
    closes = assignment.cut_off_for(extension, cohort_date) or assignment.due_for(extension, cohort_date)
    if not handed_in and closes is not None and now > closes:
        return Cell(Decimal(0), note="missing")  # nothing handed in and no longer possible
    return Cell(None)


def _attendance(*, course: CoursePage, student_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per student: classes of the course attended, of those with attendance marked (one query)."""
    rows = (
        Participant.objects.filter(live_class__course_id=course.pk, student_id__in=student_ids)
        .exclude(attendance="")
        .values("student_id")
        .annotate(attended=Count("pk", filter=Q(attendance=Participant.Attendance.ATTENDED)), marked=Count("pk"))
    )
    return {row["student_id"]: (row["attended"], row["marked"]) for row in rows}


def _attendance_marked(course: CoursePage) -> bool:
    """Whether any class of the course has attendance marked (the attendance column)."""
    return Participant.objects.filter(live_class__course_id=course.pk).exclude(attendance="").exists()


def grade_requirement_met(*, student, course: CoursePage) -> bool:
    """The course's minimum grade for completion (its grading scheme's), from released grades."""
    scheme = GradingScheme.objects.filter(course=course).only("completion_min_percent").first()
    if scheme is None or scheme.completion_min_percent is None:
        return True
    rows = gradebook(course=course, students=[student], released_only=True).rows
    return bool(rows) and rows[0].grade is not None and rows[0].grade >= scheme.completion_min_percent
