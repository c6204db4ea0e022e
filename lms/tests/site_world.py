"""A seeded site where every page type has something to show, and the pages each role sees.

Shared by the page-by-page audits: axe-core (test_accessibility_e2e.py) and the pseudo-locale
check that no English is left untranslated (test_pseudo_locale.py)."""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from billing import lessons as lessons_services
from billing import payouts, testprovider
from billing.services import checkout_start
from billing.tests.factories import site_ensure
from board.tests.factories import apply as board_apply
from board.tests.factories import make_position, make_request
from chat.tests.factories import post, start_conversation
from courses.demo import _paragraphs as demo_paragraphs
from courses.models import QuizAttempt
from courses.services import cohort_assign, cohort_create, course_permissions_ensure, lesson_complete, quiz_grade
from courses.tests.factories import lessons_of, make_course
from coursework.services import submission_grade, submission_save
from coursework.tests.factories import level_ids, make_assignment, make_rubric
from discussions.services import answer_mark, reply_post, thread_start
from live import selectors as live_selectors
from live import services as live_services
from live.tests.factories import availability_set
from lms.models import Role
from lms.tests.factories import make_user
from reviews import services as review_services
from tutors import services as tutor_services
from tutors.models import Level, Package, SpokenLanguage, Subject, Tutor
from tutors.services import free_hours_refresh
from tutors.tests.factories import png_bytes

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


@dataclass
class World:
    """What the seeded site holds, and the pages each role sees."""

    pages: dict[str, tuple[str | None, list[str]]] = field(default_factory=dict)
    enrolled_name: str = ""
    teacher_slug: str = ""
    mark_complete_url: str = ""
    quiz_url: str = ""
    conversation_url: str = ""


def seed() -> World:
    """One course (preview, plain, locked and quiz lessons), a purchase, a booked class, a
    conversation: every page type has something to show.

    Built in a thread of its own: Playwright's event loop runs in the test's thread, where
    the services' after-commit pushes (async_to_sync) cannot run."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_seed).result()


def _seed() -> World:
    try:
        return _seed_world()
    finally:
        connections.close_all()


def _seed_world() -> World:
    site_ensure()
    course_permissions_ensure()
    teacher = make_user(Role.TEACHER, email="teacher@example.com", display_name="Tess Teacher")
    student = make_user(Role.STUDENT, email="student@example.com", display_name="Sam Student")
    enrolled = make_user(Role.STUDENT, email="enrolled@example.com", display_name="Erin Enrolled")
    staff = make_user(Role.STAFF, email="staff@example.com", display_name="Stella Staff")
    course = make_course(teacher, title="Graph Theory", price="25", modules=2, lessons=2)
    make_course(teacher, title="Poetry Workshop", modules=1, lessons=1)
    lessons = lessons_of(course)
    preview, plain, unfinished, quiz = lessons[0], lessons[1], lessons[2], lessons[3]
    # A lesson written like the demo's: rich text with headings and lists, a callout, code.
    unfinished.body = json.dumps(
        [
            *({"type": "paragraph", "value": html} for html in demo_paragraphs(course.title, "Paths", "Module 2")),
            {"type": "callout", "value": {"kind": "tip", "text": "<p>Take <a href='/courses/'>notes</a>.</p>"}},
            {"type": "code", "value": {"language": "python", "code": f"print({'a line too long to fit ' * 8!r})"}},
        ]
    )
    unfinished.save_revision(user=teacher).publish()

    # A purchase through the keyless test provider: history, receipt, earnings, revenue.
    payment, _ = checkout_start(user=enrolled, course=course, base_url="http://testserver")
    testprovider.pay(session_id=payment.checkout_session_id, user=enrolled)
    lesson_complete(student=enrolled, lesson=preview, course=course)
    # The teacher onboards to payouts (test provider) and is paid their share.
    payouts.payout_account_start(teacher=teacher, base_url="http://testserver")
    testprovider.onboarding_complete(teacher=teacher)
    payouts.payouts_run(teacher=teacher)

    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    slot = live_selectors.teacher_free_slots(teacher=teacher, now=timezone.now() + timedelta(days=1))[0]
    live_class = live_services.booking_request(student=enrolled, teacher=teacher, start=slot.start, note="Integrals")
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)

    # A class held yesterday, attended: the student's review of the teacher, and the reply.
    yesterday = timezone.now() - timedelta(days=1)
    held_slots = live_selectors.teacher_free_slots(teacher=teacher, now=yesterday, end=yesterday + timedelta(hours=12))
    held_slot = held_slots[0]
    held = live_services.booking_request(student=enrolled, teacher=teacher, start=held_slot.start, now=yesterday)
    live_services.booking_approve(actor=teacher, live_class_id=held.pk, now=yesterday)
    live_services.attendance_mark(
        actor=teacher, live_class_id=held.pk, student_id=enrolled.pk, attendance="attended", now=held_slot.end
    )
    review, _ = review_services.review_submit(student=enrolled, teacher=teacher, stars=5, text="Clear and patient")
    review_services.review_reply(actor=teacher, review_id=review.pk, text="Thank you, Erin")
    # A tutor who prices lessons: a trial bought and booked with its credit, confirmed and
    # attended (earnings payable); a paid lesson requested and authorised (class page, policy).
    tutor_user = make_user(Role.TEACHER, email="tutor@example.com", display_name="Tina Tutor")
    availability_set(tutor_user, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    tutor = Tutor.objects.create(user=tutor_user, rate_30=1500, rate_60=2500, trial_price=500, trial_minutes=30)
    Package.objects.create(tutor=tutor, lessons=5, minutes=60, discount_percent=10)
    trial = lessons_services.credits_checkout_start(
        student=enrolled, teacher=tutor_user, trial=True, base_url="http://testserver"
    )[0]
    testprovider.pay(session_id=trial.checkout_session_id, user=enrolled)
    tutor_slots = live_selectors.teacher_free_slots(teacher=tutor_user, now=timezone.now() + timedelta(days=1))
    trial_class = live_services.booking_request(
        student=enrolled, teacher=tutor_user, start=tutor_slots[2].start, minutes=30, use_credit=True
    )
    live_services.booking_approve(actor=tutor_user, live_class_id=trial_class.pk)
    paid_class = live_services.booking_request(
        student=student, teacher=tutor_user, start=tutor_slots[4].start, minutes=30
    )
    lesson_payment = lessons_services.lesson_payment(paid_class)
    lessons_services.lesson_checkout_start(payment=lesson_payment, base_url="http://testserver")
    lesson_payment.refresh_from_db()
    testprovider.pay(session_id=lesson_payment.checkout_session_id, user=student)
    tutor_slug = tutor_user.teacher_profile.slug
    # The tutor directory: Tina teaches graph theory, in English, with reviews; free hours
    # from her availability above. (Tess, who has no prices, keeps the free booking flow.)
    Tutor.objects.filter(pk=tutor.pk).update(rating_average="4.8", rating_count=12)
    tutor.refresh_from_db()
    tutor.subjects.set([Subject.objects.get_or_create(slug="graph-theory", defaults={"name": "Graph theory"})[0]])
    tutor.levels.set([Level.objects.get_or_create(slug="university", defaults={"name": "University"})[0]])
    tutor.languages.set([SpokenLanguage.objects.get_or_create(code="en", defaults={"name": "English"})[0]])
    free_hours_refresh(tutor=tutor)

    conversation = start_conversation(enrolled, teacher)
    post(enrolled, conversation, "Can we go over question 3? " + "A-very-long-unbroken-word" * 4)
    post(teacher, conversation, "Of course — see https://example.com/a/rather/long/link/that/does/not/wrap/at/all")

    # The tutoring board: the student's request with the teacher's application, a position.
    board_request = make_request(student, learner_name="Arjun")
    board_apply(teacher, board_request)
    position = make_position(staff)
    board_student = ["/board/", "/board/new/", f"/board/{board_request.pk}/", f"/board/{board_request.pk}/applicants/"]
    # The marketplace: an intro video, a second package, a credential waiting for review, the badge.
    Tutor.objects.filter(pk=tutor.pk).update(
        intro_video_url="https://youtu.be/abcdefghijk", education="MSc Mathematics", experience="Ten years"
    )
    tutor.refresh_from_db()
    tutor_services.package_add(actor=tutor_user, tutor=tutor, lessons=10, minutes=60, discount_percent=10)
    tutor_services.credential_upload(
        actor=tutor_user, tutor=tutor, kind="diploma", upload=SimpleUploadedFile("diploma.png", png_bytes())
    )
    tutor_services.verification_grant(actor=staff, tutor=tutor)

    # Coursework: an assignment graded with a rubric and released; a second student's work waits.
    assignment = make_assignment(course, teacher, title="Essay", due_at=timezone.now() + timedelta(days=3))
    assignment.rubric = make_rubric(teacher)
    assignment.save_revision(user=teacher).publish()
    graded = submission_save(
        student=enrolled,
        assignment=assignment,
        text="My essay",
        upload=SimpleUploadedFile("a.png", png_bytes()),
        hand_in=True,
    )
    submission_grade(
        actor=teacher, submission=graded, levels=level_ids(assignment.rubric, pick=1), feedback="Good", release=True
    )
    spring = cohort_create(
        actor=teacher, course=course, name="Spring", starts_at=timezone.now(), time_zone="Europe/London"
    )
    cohort_assign(actor=teacher, enrollment=enrolled.enrollments.get(course=course), cohort=spring)
    # Discussions: a question on a lesson answered by the teacher, a course-wide thread.
    question = thread_start(
        author=enrolled, course=course, lesson=plain, title="Why this step?", body="I do not follow **step 2**."
    )
    answer = reply_post(author=teacher, thread=question, body="Because of `x`; see the example.")
    answer_mark(actor=teacher, thread=question, post=answer)
    thread_start(author=teacher, course=course, title="Introduce yourself", body="Say hello!")
    discussions = [f"/discussions/course/{course.pk}/", f"/discussions/threads/{question.pk}/"]
    # A quiz attempt whose short answer waits for the teacher's check.
    answers = {"0": ["1"], "1": ["0", "2"], "2": ["true"], "3": ["Lutetia"]}
    score, results = quiz_grade(quiz=quiz.quiz.value, answers=answers)
    attempt = QuizAttempt.objects.create(
        student=enrolled,
        course=course,
        lesson=quiz,
        quiz_id=quiz.quiz.id,
        answers=answers,
        results=results,
        score=score,
        passed=False,
        to_check=True,
    )
    coursework_teacher = [
        f"/coursework/teach/quiz-attempts/{attempt.pk}/",
        assignment.url,
        f"/coursework/teach/{course.pk}/grading/?show=all",
        f"/coursework/teach/submissions/{graded.pk}/",
        f"/coursework/teach/assignments/{assignment.pk}/extensions/",
        f"/coursework/teach/{course.pk}/gradebook/",
        f"/courses/teach/{course.pk}/cohorts/",
    ]

    slug = teacher.teacher_profile.slug
    public = ["/", "/courses/", course.url, preview.url, plain.url, "/teachers/", f"/teachers/{slug}/"]
    public += [f"/teachers/{tutor_slug}/"]  # a tutor's full marketplace page
    public += ["/billing/plans/", "/teachers/?subject=graph-theory&when=weekday-evening&price_max=abc&sort=recommended"]
    public += [f"/reviews/teachers/{teacher.pk}/", f"/reviews/courses/{course.pk}/", "/offline/"]
    signed_in = ["/profile/", "/notifications/", "/notifications/settings/", "/live/", "/chat/"]
    world = World(
        enrolled_name=enrolled.name,
        teacher_slug=slug,
        mark_complete_url=plain.url,
        quiz_url=quiz.url,
        conversation_url=conversation.get_absolute_url(),
    )
    world.pages = {
        "anonymous": (None, [*public, "/accounts/login/", "/accounts/signup/"]),
        "student": (
            student.email,
            [
                "/dashboard/student/",
                *public,
                *signed_in,
                "/billing/history/",
                "/live/settings/",
                f"/live/teachers/{slug}/",  # the booking widget's own page
                f"/live/teachers/{tutor_slug}/",  # a priced widget: lengths, prices, policy, trial, packages
                paid_class.get_absolute_url(),  # a paid lesson's payment and cancellation policy
                *board_student,
                f"/reviews/teachers/{teacher.pk}/write/",  # refused: no class attended
                f"/reviews/{review.pk}/report/",
            ],
        ),
        "enrolled student": (
            enrolled.email,
            [
                "/dashboard/student/",
                course.url,
                plain.url,
                unfinished.url,
                quiz.url,
                assignment.url,
                f"/coursework/grades/{course.pk}/",
                *discussions,
                f"/teachers/{slug}/",
                *signed_in,
                world.conversation_url,
                live_class.get_absolute_url(),
                held.get_absolute_url(),
                f"/reviews/teachers/{teacher.pk}/write/",
                f"/reviews/teachers/{teacher.pk}/",
                "/billing/history/",
                # Fragment endpoints opened directly get the whole page (or go to it).
                "/live/upcoming/",
                f"/live/classes/{live_class.pk}/card/",
            ],
        ),
        "teacher": (
            teacher.email,
            [
                "/dashboard/teacher/",
                course.url,
                f"/courses/teach/{course.pk}/",
                *coursework_teacher,
                *discussions,
                f"/teachers/{slug}/",
                *signed_in,
                world.conversation_url,
                live_class.get_absolute_url(),
                "/live/availability/",
                f"/reviews/teachers/{teacher.pk}/",
                "/billing/earnings/",
                "/billing/test-onboarding/",
                "/live/requests/",
                "/live/nav-badge/",
                "/board/",
                f"/board/{board_request.pk}/",
                f"/board/{position.pk}/",
            ],
        ),
        "staff": (
            staff.email,
            [
                "/dashboard/staff/",
                "/courses/",
                course.url,
                *signed_in,
                live_class.get_absolute_url(),
                "/admin/billing/payment/revenue/",
                "/admin/billing/payment/payouts/",
                paid_class.get_absolute_url(),
                "/board/",
                "/board/new/",
                f"/board/{position.pk}/",
                f"/reviews/{review.pk}/report/",
            ],
        ),
        "tutor": (
            tutor_user.email,
            [
                "/billing/earnings/",
                trial_class.get_absolute_url(),
                paid_class.get_absolute_url(),
                "/tutors/offer/",
                "/tutors/credentials/",
            ],
        ),
    }
    return world
