"""Coursework's views: handing in from the assignment's page, the teacher's grading queue and
grading page, releasing grades, extensions and regrade requests. Thin: the rules are in
coursework.services, the reads in coursework.selectors."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from courses import selectors as course_selectors
from courses.models import Cohort, CoursePage, Enrollment, QuizAttempt
from coursework import selectors, services
from coursework.forms import (
    CohortDueForm,
    ExtensionForm,
    GradeForm,
    GradeOverrideForm,
    GradingSchemeForm,
    HandInForm,
    RegradeForm,
)
from coursework.gradebook import gradebook as gradebook_read
from coursework.gradebook import gradebook_student_ids
from coursework.models import AssignmentPage, Submission
from lms.infra.files import csv_safe, private_file_response
from lms.infra.validators import parse_id
from lms.models import User

# --- Students ----------------------------------------------------------------------------------


def _live_assignment(assignment_id: int) -> tuple[AssignmentPage, CoursePage]:
    assignment = get_object_or_404(AssignmentPage.objects.live(), pk=assignment_id)
    course = assignment.course
    if course is None or not course.live:
        raise Http404("This assignment is not part of a published course.")
    return assignment, course


@login_required
@require_POST
def hand_in(request, assignment_id: int):
    """Save a draft or hand the work in; htmx gets the hand-in panel back, with any error."""
    assignment, course = _live_assignment(assignment_id)
    form = HandInForm(request.POST, request.FILES, assignment=assignment)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.submission_save(
                student=request.user,
                assignment=assignment,
                text=data.get("text", ""),
                link=data.get("link", ""),
                upload=data.get("file"),
                remove_file=data.get("remove_file", False),
                hand_in=request.POST.get("action") == "hand-in",
            )
        except services.CourseworkError as exc:
            error = str(exc)
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    done = _("Handed in.") if request.POST.get("action") == "hand-in" else _("Draft saved.")
    if request.htmx:
        context = assignment.get_context(request, course=course)
        context.update(hand_in_error=error, hand_in_done=None if error else done, hand_in_form=form if error else None)
        return TemplateResponse(request, "coursework/assignment_page.html#hand-in", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(f"{assignment.url}#hand-in")


@login_required
@require_POST
def regrade(request, submission_id: int):
    submission = get_object_or_404(Submission.objects.select_related("assignment"), pk=submission_id)
    if submission.student_id != request.user.pk:
        raise Http404("No such submission.")
    form = RegradeForm(request.POST)
    try:
        if not form.is_valid():
            raise services.CourseworkError(_("Say what you would like your teacher to look at again."))
        services.regrade_request(student=request.user, submission=submission, reason=form.cleaned_data["reason"])
    except services.CourseworkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your teacher will look at it again."))
    return redirect(f"{submission.assignment.url}#hand-in")


def _file_of(request, submission_id: int) -> Submission:
    submission = selectors.submission_for_file(user=request.user, submission_id=submission_id)
    if submission is None:
        raise Http404(_("No such file."))
    return submission


@login_required
def submission_file(request, submission_id: int):
    """The student's file, to them, the course's teachers and staff; to others it does not exist."""
    submission = _file_of(request, submission_id)
    if not submission.file:
        raise Http404(_("No such file."))
    return private_file_response(submission.file, filename=submission.file_name)


@login_required
def feedback_file(request, submission_id: int):
    """The teacher's feedback file: to the student only once the grade is released."""
    submission = _file_of(request, submission_id)
    hidden = submission.student_id == request.user.pk and submission.released_at is None
    if not submission.feedback_file or hidden:
        raise Http404(_("No such file."))
    return private_file_response(submission.feedback_file, filename=submission.feedback_file_name)


# --- Teachers ----------------------------------------------------------------------------------


def _taught(request, course: CoursePage) -> None:
    if not course_selectors.may_teach(user=request.user, course=course):
        raise PermissionDenied(_("You do not teach this course."))


def _taught_course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    _taught(request, course)
    return course


def _queue_filters(request, course: CoursePage) -> tuple[list[AssignmentPage], AssignmentPage | None, str]:
    assignments = selectors.course_assignments(course)
    wanted = parse_id(request.GET.get("assignment"))
    chosen = next((a for a in assignments if a.pk == wanted), None)
    show = request.GET.get("show") if request.GET.get("show") in ("todo", "graded", "all") else "todo"
    return assignments, chosen, show


QUEUE_PER_PAGE = 50
ANSWERS_LISTED = 20  # quiz attempts to check, listed on the queue (saving one opens the next)
GRADEBOOK_PER_PAGE = 50


def _query(chosen: AssignmentPage | None, show: str) -> str:
    return f"?show={show}" + (f"&assignment={chosen.pk}" if chosen else "")


@login_required
def queue(request, course_id: int):
    course = _taught_course(request, course_id)
    assignments, chosen, show = _queue_filters(request, course)
    page = Paginator(selectors.grading_queue(course=course, assignment=chosen, show=show), QUEUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "coursework/queue.html",
        {
            "course": course,
            "assignments": assignments,
            "chosen": chosen,
            "show": show,
            "page": page,
            "submissions": selectors.with_assignments(page.object_list, assignments),
            "query": _query(chosen, show),
            "to_check": selectors.answers_to_check(course=course)[:ANSWERS_LISTED],
        },
    )


@login_required
def grade(request, submission_id: int):
    """One submission beside its rubric; saving moves on to the next in the queue."""
    submission = get_object_or_404(Submission.objects.select_related("student", "assignment"), pk=submission_id)
    assignment = submission.assignment
    course = assignment.course
    if course is None:
        raise Http404("No such submission.")
    _taught(request, course)
    _assignments, chosen, show = _queue_filters(request, course)
    queue_ = selectors.grading_queue(course=course, assignment=chosen, show=show)
    place = selectors.queue_place(queue=queue_, submission=submission)
    form, error = GradeForm(initial={"score": submission.score, "feedback": submission.feedback}), None
    if request.method == "POST":
        form = GradeForm(request.POST, request.FILES)
        rows = assignment.rubric.rows() if assignment.rubric_id else []
        levels = {row["id"]: request.POST.get(f"level-{row['id']}", "") for row in rows}
        if form.is_valid():
            try:
                services.submission_grade(
                    actor=request.user,
                    submission=submission,
                    levels=levels,
                    score=form.cleaned_data["score"],
                    feedback=form.cleaned_data["feedback"],
                    feedback_upload=form.cleaned_data["feedback_file"],
                    release=request.POST.get("action") == "release",
                )
            except services.CourseworkError as exc:
                error = str(exc)
            else:
                messages.success(request, _("Saved the grade of %(name)s.") % {"name": submission.student.name})
                # The next in the queue, else the first still in it (if this one left it).
                nxt = place.next_id or queue_.exclude(pk=submission.pk).values_list("pk", flat=True).first()
                target = (
                    reverse("coursework:grade", args=[nxt]) if nxt else reverse("coursework:queue", args=[course.pk])
                )
                return redirect(target + _query(chosen, show))
        else:
            error = _("Please correct the errors below.")
        submission.levels = levels
    return TemplateResponse(
        request,
        "coursework/grade.html",
        {
            "course": course,
            "assignment": assignment,
            "submission": submission,
            "rubric_rows": assignment.rubric.rows(submission.levels) if assignment.rubric_id else [],
            "form": form,
            "error": error,
            "previous_id": place.previous_id,
            "next_id": place.next_id,
            "position": place.position,
            "total": place.total,
            "query": _query(chosen, show),
            "queue_page": (place.position - 1) // QUEUE_PER_PAGE + 1 if place.position else None,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def release(request, assignment_id: int):
    assignment, course = _live_assignment(assignment_id)
    _taught(request, course)
    count = services.grades_release(actor=request.user, assignment=assignment)
    messages.success(
        request,
        ngettext("Released %(count)d grade.", "Released %(count)d grades.", count) % {"count": count}
        if count
        else _("There were no graded submissions waiting to be released."),
    )
    return redirect(reverse("coursework:queue", args=[course.pk]) + f"?show=graded&assignment={assignment.pk}")


@login_required
def extension(request, assignment_id: int):
    """More time for one enrolled student, or a cohort's own due date (GET: the forms)."""
    assignment, course = _live_assignment(assignment_id)
    _taught(request, course)
    students = User.objects.filter(
        pk__in=Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE).values("student_id")
    ).order_by("display_name", "email")
    cohorts = list(course.cohorts.all())
    form, cohort_form, status = ExtensionForm(students=students), CohortDueForm(cohorts=cohorts), 200
    if request.method == "POST":
        if request.POST.get("action") == "cohort":
            cohort_form = CohortDueForm(request.POST, cohorts=cohorts)
            if cohort_form.is_valid():
                data = cohort_form.cleaned_data
                try:
                    services.cohort_due_set(
                        actor=request.user,
                        assignment=assignment,
                        cohort=next(c for c in cohorts if c.pk == data["cohort"]),
                        due_at=data["due_at"],
                        cut_off_at=data["cut_off_at"],
                    )
                except services.CourseworkError as exc:
                    cohort_form.add_error("due_at", str(exc))
                else:
                    messages.success(request, _("The cohort's due date is set."))
                    return redirect("coursework:extension", assignment_id=assignment.pk)
        else:
            form = ExtensionForm(request.POST, students=students)
            if form.is_valid():
                try:
                    services.extension_grant(
                        actor=request.user,
                        assignment=assignment,
                        student=students.get(pk=form.cleaned_data["student"]),
                        due_at=form.cleaned_data["due_at"],
                    )
                except services.CourseworkError as exc:
                    form.add_error("due_at", str(exc))
                else:
                    messages.success(request, _("Extension granted."))
                    return redirect("coursework:extension", assignment_id=assignment.pk)
        status = 400
    return TemplateResponse(
        request,
        "coursework/extension.html",
        {
            "assignment": assignment,
            "course": course,
            "form": form,
            "cohort_form": cohort_form,
            "cohorts": cohorts,
            "cohort_dates": assignment.cohort_dates.select_related("cohort"),
            "extensions": assignment.extensions.select_related("student"),
        },
        status=status,
    )


# --- The gradebook -----------------------------------------------------------------------------


def _gradebook_query(request, course: CoursePage) -> tuple[list[Cohort], Cohort | None, str]:
    """The course's cohorts, the one chosen (`?cohort=`) and the query string keeping it."""
    cohorts = list(course.cohorts.all())
    wanted = parse_id(request.GET.get("cohort"))
    cohort = next((c for c in cohorts if c.pk == wanted), None)
    return cohorts, cohort, f"?cohort={cohort.pk}" if cohort else ""


def _gradebook_page(request, course: CoursePage, *, status: int = 200, **forms_):
    """A page of the gradebook: `GRADEBOOK_PER_PAGE` students (of a cohort, if one is chosen),
    their grades read for them alone, in a constant number of queries."""
    cohorts, cohort, query = _gradebook_query(request, course)
    ordered = gradebook_student_ids(course=course, cohort=cohort)
    page = Paginator(ordered, GRADEBOOK_PER_PAGE).get_page(request.GET.get("page"))
    book = gradebook_read(course=course, students=list(page.object_list))
    students = [row.student for row in book.rows]
    override_form = forms_.get("override_form") or GradeOverrideForm(students=students, items=book.items)
    scheme = book.scheme
    scheme_form = forms_.get("scheme_form") or GradingSchemeForm(
        initial={
            "assignment_weight": scheme.assignment_weight,
            "quiz_weight": scheme.quiz_weight,
            "attendance_weight": scheme.attendance_weight,
            "drop_lowest_assignments": scheme.drop_lowest_assignments,
            "drop_lowest_quizzes": scheme.drop_lowest_quizzes,
            "letters": ", ".join(f"{letter} {minimum}" for minimum, letter in scheme.letters),
            "completion_min_percent": scheme.completion_min_percent,
        }
    )
    context = {
        "course": course,
        "book": book,
        "page": page,
        "cohorts": cohorts,
        "cohort": cohort,
        "query": query,
        "here": f"{query}{'&' if query else '?'}page={page.number}",
        "override_form": override_form,
        "scheme_form": scheme_form,
    }
    return TemplateResponse(request, "coursework/gradebook.html", context, status=status)


@login_required
def gradebook(request, course_id: int):
    course = _taught_course(request, course_id)
    return _gradebook_page(request, course)


def _back_to_gradebook(request, course: CoursePage):
    """To the gradebook's page (and cohort) the form was sent from."""
    _cohorts, _cohort, query = _gradebook_query(request, course)
    page = parse_id(request.GET.get("page"))
    if page:
        query += f"{'&' if query else '?'}page={page}"
    return redirect(reverse("coursework:gradebook", args=[course.pk]) + query)


@login_required
@require_POST
def grade_override(request, course_id: int):
    course = _taught_course(request, course_id)
    items = gradebook_read(course=course, students=[]).items  # the course's columns, no student's grades
    students = User.objects.filter(
        pk__in=Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE).values("student_id")
    )
    form = GradeOverrideForm(request.POST, students=students, items=items)
    if form.is_valid():
        try:
            services.grade_override_set(
                actor=request.user,
                course=course,
                student=User.objects.get(pk=form.cleaned_data["student"]),
                item=form.cleaned_data["item"],
                percent=form.cleaned_data["percent"],
                reason=form.cleaned_data["reason"],
            )
        except services.CourseworkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The grade is changed."))
            return _back_to_gradebook(request, course)
    return _gradebook_page(request, course, status=400, override_form=form)


@login_required
@require_POST
def grading_scheme(request, course_id: int):
    course = _taught_course(request, course_id)
    form = GradingSchemeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.grading_scheme_set(
                actor=request.user,
                course=course,
                assignment_weight=data["assignment_weight"],
                quiz_weight=data["quiz_weight"],
                attendance_weight=data["attendance_weight"],
                drop_lowest_assignments=data["drop_lowest_assignments"],
                drop_lowest_quizzes=data["drop_lowest_quizzes"],
                letters=services.parse_letters(data["letters"]),
                completion_min_percent=data["completion_min_percent"],
            )
        except services.CourseworkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The grading scheme is saved."))
            return _back_to_gradebook(request, course)
    return _gradebook_page(request, course, status=400, scheme_form=form)


@login_required
def gradebook_csv(request, course_id: int):
    course = _taught_course(request, course_id)
    book = gradebook_read(course=course)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gradebook-{slugify(course.title) or course.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("Student"), _("Email"), *[csv_safe(item.title) for item in book.items], _("Course grade (%)"), _("Letter")]
    )
    for row in book.rows:
        writer.writerow(
            [
                csv_safe(row.student.name),
                csv_safe(row.student.email),
                *["" if row.cells[item.key].percent is None else row.cells[item.key].percent for item in book.items],
                "" if row.grade is None else row.grade,
                row.letter,
            ]
        )
    return response


@login_required
def my_grades(request, course_id: int):
    """A student's own grades in a course: each item with its grade and the running course grade."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if Enrollment.objects.active_for(user=request.user, course=course) is None:
        raise Http404("Not enrolled.")
    book = gradebook_read(course=course, students=[request.user], released_only=True)
    row = book.rows[0]
    submissions = {
        s.assignment_id: s
        for s in Submission.objects.filter(student=request.user, assignment__path__startswith=course.path)
    }
    lines = [(item, row.cells[item.key], _submission_of(item, submissions)) for item in book.items]
    return TemplateResponse(
        request, "coursework/my_grades.html", {"course": course, "book": book, "row": row, "lines": lines}
    )


def _submission_of(item, submissions: dict):
    kind, _sep, pk = item.key.partition(":")
    return submissions.get(int(pk)) if kind == "assignment" else None


# --- Short answers checked by hand ---------------------------------------------------------------


@login_required
def check_answers(request, attempt_id: int):
    """A quiz attempt's short answers beside the accepted ones: the teacher marks each right or
    wrong; saving opens the next attempt waiting to be checked."""
    attempt = get_object_or_404(QuizAttempt.objects.select_related("student", "lesson", "course"), pk=attempt_id)
    course = attempt.course
    _taught(request, course)
    quiz = attempt.lesson.specific.quiz
    questions = quiz.value["questions"] if quiz is not None and quiz.id == attempt.quiz_id else []
    answers = [
        {
            "index": result["question"],
            "prompt": questions[result["question"]]["prompt"] if result["question"] < len(questions) else "",
            "given": " ".join(attempt.answers.get(str(result["question"]), [])),
            "accepted": result["answer"],
            "correct": result["correct"],
        }
        for result in attempt.results
        if result.get("short")
    ]
    error = None
    if request.method == "POST":
        verdicts = {}
        for answer in answers:
            value = request.POST.get(f"q{answer['index']}")
            if value not in ("right", "wrong"):
                error = _("Mark every answer right or wrong.")
                break
            verdicts[answer["index"]] = value == "right"
        if error is None:
            services.quiz_answers_check(actor=request.user, attempt=attempt, verdicts=verdicts)
            messages.success(request, _("Answers checked."))
            following = selectors.answers_to_check(course=course).first()
            if following is not None:
                return redirect("coursework:check_answers", following.pk)
            return redirect("coursework:queue", course.pk)
    return TemplateResponse(
        request,
        "coursework/check_answers.html",
        {"course": course, "attempt": attempt, "answers": answers, "error": error},
        status=400 if error else 200,
    )
