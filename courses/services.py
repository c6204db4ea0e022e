"""Writes of the courses app: enrollment, progress, quizzes, certificates, moderation.

Views, admin actions, Wagtail hooks and the billing app all come through these functions.
"""

import itertools
import logging

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from courses import selectors
from courses.blocks import QuestionBlock
from courses.models import (
    Certificate,
    Cohort,
    CourseIndexPage,
    CoursePage,
    CourseReviewTask,
    Enrollment,
    LessonPage,
    LessonProgress,
    OutlineLesson,
    QuizAttempt,
)
from lms.formats import when
from lms.infra import events
from lms.models import HomePage, Role, User
from lms.services import audit_record, notify

logger = logging.getLogger(__name__)


class CourseError(Exception):
    """A course action that is not allowed; the message says why, for the person who tried."""


# --- Enrollment -------------------------------------------------------------------------------


@transaction.atomic
def enrollment_create(
    *, student: User, course: CoursePage, source: str, reference: str = "", actor: User | None = None
) -> Enrollment:
    """Enroll `student` in `course`. Idempotent: an existing active enrollment is returned as is.

    Safe under concurrency: the conditional unique constraint lets only one active row
    exist; the loser of a race catches the IntegrityError and returns the winner's row.
    """
    if source not in Enrollment.Source.values:
        raise CourseError(_("“%(source)s” is not an enrollment source.") % {"source": source})
    existing = selectors.active_enrollment(user=student, course=course)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                student=student, course=course, source=source, reference=reference, cohort=cohort_to_join(course)
            )
    except IntegrityError:
        existing = selectors.active_enrollment(user=student, course=course)
        if existing is None:
            raise
        return existing
    if actor is not None and actor.pk != student.pk:
        audit_record(
            actor=actor,
            action="enrollment.create",
            target=enrollment,
            changes={"status": (None, enrollment.status), "source": (None, source)},
        )
    events.publish(
        "enrolment.created",
        {"enrolment": enrollment.pk, "course": course.pk, "student": student.pk, "source": source},
    )
    notify(
        user=student,
        kind="course",
        title=format_lazy(gettext_lazy("You are enrolled in {title}"), title=course.title),
        body=gettext_lazy("Start with the first lesson whenever you are ready."),
        url=course.url or "",
    )
    return enrollment


def cohort_to_join(course: CoursePage, *, now=None) -> Cohort | None:
    """The cohort a new student joins: the next to start, else the latest started (None when
    the course has no cohorts)."""
    now = now or timezone.now()
    upcoming = course.cohorts.filter(starts_at__gt=now).order_by("starts_at").first()
    return upcoming or course.cohorts.filter(starts_at__lte=now).order_by("-starts_at").first()


@transaction.atomic
def cohort_create(*, actor: User, course: CoursePage, name: str, starts_at, time_zone: str) -> Cohort:
    """A new cohort of the course (its teachers or staff); audited."""
    if not (actor.is_platform_staff or course.taught_by(actor)):
        raise PermissionDenied(_("You do not teach this course."))
    name = (name or "").strip()
    if not name:
        raise CourseError(_("Give the cohort a name."))
    if course.cohorts.filter(name=name).exists():
        raise CourseError(_("This course already has a cohort called “%(name)s”.") % {"name": name})
    cohort = Cohort(course=course, name=name, starts_at=starts_at, time_zone=time_zone)
    try:
        cohort.full_clean()
    except ValidationError as exc:
        raise CourseError(" ".join(exc.messages)) from exc
    cohort.save()
    audit_record(actor=actor, action="cohort.create", target=cohort, changes={"starts_at": (None, starts_at)})
    return cohort


@transaction.atomic
def cohort_teachers_set(*, actor: User, cohort: Cohort, teachers: list[User]) -> Cohort:
    """Choose which of the course's teachers look after the cohort (none: all of them); audited."""
    course = cohort.course
    if not (actor.is_platform_staff or course.taught_by(actor)):
        raise PermissionDenied(_("You do not teach this course."))
    course_teachers = {teacher.pk for teacher in course.teacher_users()}
    if any(teacher.pk not in course_teachers for teacher in teachers):
        raise CourseError(_("A cohort's teachers are chosen among the course's teachers."))
    before = sorted(cohort.teachers.values_list("pk", flat=True))
    cohort.teachers.set(teachers)
    audit_record(
        actor=actor,
        action="cohort.teachers",
        target=cohort,
        changes={"teachers": (before, sorted(t.pk for t in teachers))},
    )
    return cohort


def student_teachers(*, student: User, course: CoursePage) -> list[User]:
    """Who teaches `student` in `course`: their cohort's teachers, else all of the course's."""
    enrollment = Enrollment.objects.active_for(user=student, course=course)
    if enrollment is not None and enrollment.cohort_id is not None:
        chosen = list(enrollment.cohort.teachers.all())
        if chosen:
            return chosen
    return course.teacher_users()


@transaction.atomic
def cohort_assign(*, actor: User, enrollment: Enrollment, cohort: Cohort | None) -> Enrollment:
    """Move a student to another cohort of their course (or none); audited."""
    course = enrollment.course
    if not (actor.is_platform_staff or course.taught_by(actor)):
        raise PermissionDenied(_("You do not teach this course."))
    if cohort is not None and cohort.course_id != course.pk:
        raise CourseError(_("That cohort belongs to another course."))
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    before = enrollment.cohort_id
    enrollment.cohort = cohort
    enrollment.save(update_fields=["cohort"])
    audit_record(
        actor=actor,
        action="enrollment.cohort",
        target=enrollment,
        changes={"cohort": (before, getattr(cohort, "pk", None))},
    )
    return enrollment


@transaction.atomic
def enrollment_end(*, enrollment: Enrollment, reason: str, actor: User | None = None) -> Enrollment:
    """End an enrollment (refund, subscription lapsed, staff decision). Progress is kept.

    `reason` is stored as the actor reads it and told to the student in theirs: pass a lazy
    string (gettext_lazy) for it to be translated for the student."""
    enrollment = Enrollment.objects.select_for_update().select_related("course", "student").get(pk=enrollment.pk)
    if enrollment.status == Enrollment.Status.ENDED:
        return enrollment
    enrollment.status = Enrollment.Status.ENDED
    enrollment.ended_at = timezone.now()
    enrollment.end_reason = str(reason)[:200]
    enrollment.save(update_fields=["status", "ended_at", "end_reason"])
    if actor is not None:
        audit_record(
            actor=actor,
            action="enrollment.end",
            target=enrollment,
            changes={"status": (Enrollment.Status.ACTIVE, Enrollment.Status.ENDED)},
            message=str(reason),
        )
    notify(
        user=enrollment.student,
        kind="course",
        title=format_lazy(gettext_lazy("Your access to {title} has ended"), title=enrollment.course.title),
        body=reason,
        url=enrollment.course.url or "",
    )
    return enrollment


def course_enroll(*, student: User, course: CoursePage) -> Enrollment:
    """A student's own one-click enrollment in a free, published course."""
    if not course.live:
        raise CourseError(_("This course is not open for enrollment."))
    if not student.is_student and not student.is_platform_staff:
        raise CourseError(_("Only students can enroll in courses."))
    if not course.is_free:
        raise CourseError(_("This course is paid: buy it to enroll."))
    if course.enforce_prerequisites:
        missing = missing_prerequisites(student=student, course=course)
        if missing:
            titles = ", ".join(c.title for c in missing)
            raise CourseError(_("Complete these courses first: %(courses)s.") % {"courses": titles})
    return enrollment_create(student=student, course=course, source=Enrollment.Source.FREE, actor=student)


def missing_prerequisites(*, student: User, course: CoursePage) -> list[CoursePage]:
    required = list(course.prerequisites.live())
    if not required:
        return []
    done = set(
        Enrollment.objects.filter(student=student, course__in=required, completed_at__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    return [c for c in required if c.pk not in done]


# --- Learning ---------------------------------------------------------------------------------


def _lesson_gate(*, student: User, lesson: LessonPage, course: CoursePage) -> Enrollment:
    enrollment = selectors.active_enrollment(user=student, course=course)
    if enrollment is None:
        raise CourseError(_("Enroll in the course to track your progress."))
    if course.enforce_order:
        blocking = lesson_blocked_by(student=student, lesson=lesson, course=course)
        if blocking is not None:
            raise CourseError(_("Complete “%(title)s” first.") % {"title": blocking.title})
    opens_at = lesson.opens_for(enrollment)
    if opens_at is not None and timezone.now() < opens_at:
        raise CourseError(_("This lesson opens on %(date)s.") % {"date": when(opens_at)})
    return enrollment


def lesson_blocked_by(*, student: User, lesson: LessonPage, course: CoursePage) -> OutlineLesson | None:
    """With enforced order: the first earlier lesson not yet completed, else None."""
    return course.blocking_lesson(lesson, selectors.completed_lesson_ids(user=student, course=course))


@transaction.atomic
def lesson_complete(*, student: User, lesson: LessonPage, course: CoursePage | None = None) -> LessonProgress:
    """Mark a lesson done (a required quiz must be passed first); may complete the course."""
    course = course or selectors.course_for_lesson(lesson)
    if course is None:
        raise CourseError(_("This lesson is not part of a course."))
    _lesson_gate(student=student, lesson=lesson, course=course)
    blocker = lesson.specific.completion_blocker(student=student)
    if blocker:
        raise CourseError(blocker)
    progress, created = LessonProgress.objects.get_or_create(
        student=student, lesson=lesson, defaults={"course": course}
    )
    if created:
        course_completion_check(student=student, course=course)
    return progress


def _not_a_choice(index: int) -> str:
    return _("Question %(number)d: that is not one of its choices.") % {"number": index + 1}


def _normalise(text: str) -> str:
    return " ".join(str(text).lower().split())


def quiz_grade(*, quiz: dict, answers: dict[str, list[str]]) -> tuple[int, list[dict]]:
    """Grade `answers` (question index → submitted values) against the quiz block's value.

    Raises CourseError for a missing answer or a choice that is not one of the question's.
    """
    results = []
    for index, question in enumerate(quiz["questions"]):
        key = str(index)
        submitted = [v for v in answers.get(key, []) if str(v).strip() != ""]
        kind = question["kind"]
        if not submitted:
            raise CourseError(_("Answer question %(number)d before submitting.") % {"number": index + 1})
        if kind in (QuestionBlock.SINGLE, QuestionBlock.MULTIPLE):
            n = len(question["choices"])
            try:
                chosen = {int(v) for v in submitted}
            except (TypeError, ValueError):
                raise CourseError(_not_a_choice(index)) from None
            if any(c < 0 or c >= n for c in chosen) or (kind == QuestionBlock.SINGLE and len(chosen) != 1):
                raise CourseError(_not_a_choice(index))
            right = {i for i, c in enumerate(question["choices"]) if c["correct"]}
            correct = chosen == right
            answer_text = ", ".join(question["choices"][i]["text"] for i in sorted(right))
        elif kind == QuestionBlock.TRUE_FALSE:
            if len(submitted) != 1 or submitted[0] not in ("true", "false"):
                raise CourseError(_("Question %(number)d: answer true or false.") % {"number": index + 1})
            correct = (submitted[0] == "true") == bool(question["true_false_answer"])
            answer_text = "True" if question["true_false_answer"] else "False"
        else:
            accepted = [_normalise(a) for a in question["accepted_answers"].split("|") if a.strip()]
            correct = _normalise(submitted[0]) in accepted
            answer_text = question["accepted_answers"].split("|")[0].strip()
        result = {"question": index, "correct": correct, "feedback": question["feedback"], "answer": answer_text}
        if kind == QuestionBlock.SHORT:
            result["short"] = True  # a teacher may mark it by hand (coursework's grading queue)
        results.append(result)
    n = len(results)
    score = round(100 * sum(r["correct"] for r in results) / n) if n else 0
    return score, results


@transaction.atomic
def quiz_submit(*, student: User, lesson: LessonPage, answers: dict[str, list[str]]) -> QuizAttempt:
    """Grade and store one attempt; a pass of a required quiz completes the lesson."""
    course = selectors.course_for_lesson(lesson)
    if course is None:
        raise CourseError(_("This lesson is not part of a course."))
    quiz = lesson.quiz
    if quiz is None:
        raise CourseError(_("This lesson has no quiz."))
    _lesson_gate(student=student, lesson=lesson, course=course)
    # Lock the enrollment row so two quick submissions cannot both pass the limit check.
    Enrollment.objects.select_for_update().filter(
        student=student, course=course, status=Enrollment.Status.ACTIVE
    ).first()
    previous = QuizAttempt.objects.filter(student=student, lesson=lesson)
    if previous.filter(passed=True).exists():
        raise CourseError(_("You have already passed this quiz."))
    limit = quiz.value["max_attempts"]
    if limit and previous.count() >= limit:
        raise CourseError(
            ngettext(
                "You have used your only attempt at this quiz.",
                "You have used all %(count)d attempts at this quiz.",
                limit,
            )
            % {"count": limit}
        )
    score, results = quiz_grade(quiz=quiz.value, answers=answers)
    passed = score >= quiz.value["pass_mark"]
    attempt = QuizAttempt.objects.create(
        student=student,
        course=course,
        lesson=lesson,
        quiz_id=quiz.id or "",
        answers=answers,
        results=results,
        score=score,
        passed=passed,
        # A short answer the machine did not accept may still be right: a teacher checks it.
        to_check=any(r.get("short") and not r["correct"] for r in results),
    )
    if passed:
        quiz_passed(attempt=attempt, quiz=quiz.value)
    return attempt


def quiz_passed(*, attempt: QuizAttempt, quiz: dict) -> None:
    """A passed attempt (when submitted, or once a teacher marked its short answers): a
    required quiz completes its lesson."""
    if quiz["required"]:
        _progress, created = LessonProgress.objects.get_or_create(
            student=attempt.student, lesson=attempt.lesson, defaults={"course": attempt.course}
        )
        if created:
            course_completion_check(student=attempt.student, course=attempt.course)


# --- Completion and certificates --------------------------------------------------------------


# More conditions for completing a course, added by other apps when they start (coursework: a
# minimum course grade). Each is `check(*, student, course) -> bool`.
COMPLETION_REQUIREMENTS: list = []


def course_completion_check(*, student: User, course: CoursePage) -> Certificate | None:
    """If every live lesson is done (and every other app's requirement is met), complete the
    enrollment and issue the certificate."""
    lesson_ids = set(selectors.course_lesson_ids(course=course))
    if not lesson_ids:
        return None
    done = selectors.completed_lesson_ids(user=student, course=course)
    if not lesson_ids <= done:
        return None
    if not all(requirement(student=student, course=course) for requirement in COMPLETION_REQUIREMENTS):
        return None
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(student=student, course=course, status=Enrollment.Status.ACTIVE)
        .first()
    )
    if enrollment is None or enrollment.completed_at is not None:
        return None
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["completed_at"])
    events.publish("course.completed", {"course": course.pk, "student": student.pk})
    return certificate_issue(student=student, course=course)


def certificate_issue(*, student: User, course: CoursePage) -> Certificate:
    certificate, created = Certificate.objects.get_or_create(
        student=student,
        course=course,
        defaults={
            "student_name": student.get_full_name() or student.name,
            "course_title": course.title,
            "teacher_names": ", ".join(t.name for t in course.teacher_users()),
        },
    )
    if created:
        events.publish("certificate.issued", {"code": certificate.code, "course": course.pk, "student": student.pk})
        notify(
            user=student,
            kind="course",
            title=format_lazy(gettext_lazy("Congratulations! You completed {title}"), title=course.title),
            body=gettext_lazy("Your certificate is ready to download and share."),
            url=certificate.get_absolute_url(),
            email_attachment=("courses.certificates.certificate_attachment", [certificate.pk]),
        )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="certificate.revoke", target=certificate, message=reason)
    return certificate


# --- Site set-up ------------------------------------------------------------------------------

TEACHER_PAGE_PERMISSIONS = ["add_page"]
STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"]
TEACHER_COLLECTION_PERMISSIONS = [("wagtailimages", "add_image"), ("wagtailimages", "choose_image")] + [
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]
# Snippets teachers write for their courses (a rubric is chosen by assignments, coursework/models.py).
TEACHER_MODEL_PERMISSIONS = [
    ("coursework", "add_rubric"),
    ("coursework", "change_rubric"),
    ("coursework", "view_rubric"),
]
STAFF_COLLECTION_PERMISSIONS = TEACHER_COLLECTION_PERMISSIONS + [
    ("wagtailimages", "change_image"),
    ("wagtaildocs", "change_document"),
]


@transaction.atomic
def catalog_page_ensure() -> CourseIndexPage | None:
    """The catalog page at /courses/ under the home page, created if missing, and its
    translations (catalog_translations_ensure)."""
    index = CourseIndexPage.objects.filter(locale=Locale.get_default()).first()
    if index is None:
        home = HomePage.objects.first()
        if home is None:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            index = CourseIndexPage(slug="courses", **_catalog_words())
        home.add_child(instance=index)
        index.save_revision().publish()
    catalog_translations_ensure(index)
    return index


def _catalog_words() -> dict:
    """The catalog page's title and introduction, in the active language (editors may change them)."""
    return {"title": _("Courses"), "intro": _("Courses written and taught by real teachers.")}


def catalog_translations_ensure(index: CourseIndexPage) -> list[CourseIndexPage]:
    """A copy of the catalog page in every other content language, beside it (/courses-es/).

    A course is translated with Wagtail's "Translate" action, which puts the copy under the
    translation of its parent: these. The home page itself is never translated, so every
    URL keeps routing through the one tree whatever language the viewer reads, and each
    language version of a course has its own address (/courses-es/<course>/)."""
    made = []
    have = set(index.get_translations().values_list("locale_id", flat=True))
    for locale in Locale.objects.exclude(pk=index.locale_id).exclude(pk__in=have):
        with translation.override(locale.language_code):
            words = _catalog_words()
        made.append(
            index.copy(
                to=index.get_parent(),
                update_attrs={"locale": locale, "slug": f"{index.slug}-{locale.language_code}", **words},
                reset_translation_key=False,
                copy_revisions=False,
                keep_live=True,
                log_action=None,
            )
        )
    return made


def _permissions(pairs: list[tuple[str, str]]) -> list[Permission]:
    return [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in pairs]


@transaction.atomic
def course_permissions_ensure() -> None:
    """Teachers add courses (and edit only pages they own), staff moderate everything, and
    course pages go through the "Course review" workflow. Idempotent."""
    index = catalog_page_ensure()
    home = HomePage.objects.first()
    if index is None or home is None:
        return
    teachers, _ = Group.objects.get_or_create(name=Role.TEACHER.group_name)
    staff, _ = Group.objects.get_or_create(name=Role.STAFF.group_name)
    catalogs = list(index.get_translations(inclusive=True))
    for catalog, codename in itertools.product(catalogs, TEACHER_PAGE_PERMISSIONS):
        GroupPagePermission.objects.get_or_create(
            group=teachers,
            page=catalog,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    for codename in STAFF_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=staff,
            page=home,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for group, pairs in ((teachers, TEACHER_COLLECTION_PERMISSIONS), (staff, STAFF_COLLECTION_PERMISSIONS)):
            for permission in _permissions(pairs):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
    teachers.permissions.add(*_permissions(TEACHER_MODEL_PERMISSIONS))
    staff.permissions.add(*_permissions(TEACHER_MODEL_PERMISSIONS + [("coursework", "delete_rubric")]))
    workflow, _ = Workflow.objects.get_or_create(name="Course review", defaults={"active": True})
    task = CourseReviewTask.objects.filter(name="Staff review").order_by("pk").first()
    if task is None:
        task = CourseReviewTask.objects.create(name="Staff review")
        task.groups.set([staff])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for catalog in catalogs:
        WorkflowPage.objects.get_or_create(page=catalog, defaults={"workflow": workflow})
