"""Demo discussions: in each of the demo teacher's courses with students, a question on a
lesson answered by the teacher, one still waiting for an answer, and a pinned course-wide
thread with replies and upvotes."""

from courses.models import CoursePage, Enrollment, LessonPage
from discussions import services
from discussions.models import Thread
from lms.models import User

TEACHER_EMAIL = "teacher@lyceum.test"


def load(*, stdout) -> None:
    teacher = User.objects.filter(email=TEACHER_EMAIL).first()
    if teacher is None:
        return
    threads = 0
    for course in CoursePage.objects.live().filter(owner=teacher).order_by("path"):
        students = [
            e.student
            for e in Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
            .select_related("student")
            .order_by("pk")
        ]
        if len(students) < 2 or Thread.objects.filter(course=course).exists():
            continue
        first, second = students[0], students[1]
        lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path")[:2])
        if not lessons:
            continue
        question = services.thread_start(
            author=first,
            course=course,
            lesson=lessons[0],
            title="Where do I find the exercise files?",
            body="The lesson mentions exercise files, but I cannot see a **download** link. Am I missing something?",
        )
        answer = services.reply_post(
            author=teacher,
            thread=question,
            body="Good question! They are in the first block of the lesson, under *Resources*. "
            f"@{first.name}, tell me if the link does not work for you.",
        )
        services.post_upvote(user=second, post=answer)
        services.answer_mark(actor=teacher, thread=question, post=answer)
        services.reply_post(author=second, thread=question, body="Found them, thanks — the same question here.")

        services.thread_start(
            author=second,
            course=course,
            lesson=lessons[-1],
            title="Is there a shorter way to write this?",
            body="My solution works but it is long:\n\n```\nfor item in items:\n    total = total + item\n```\n\n"
            "Is there something simpler?",
        )

        welcome = services.thread_start(
            author=teacher,
            course=course,
            title="Introduce yourself",
            body="Say hello: where you are learning from and what you want to build after this course.",
        )
        services.thread_moderate(actor=teacher, thread=welcome, action="pin")
        for student in students[:4]:
            services.reply_post(
                author=student, thread=welcome, body=f"Hi all, I am {student.name}. Looking forward to it!"
            )
        threads += 3
    stdout.write(f"discussions: {threads} threads with replies, answers and upvotes.")
