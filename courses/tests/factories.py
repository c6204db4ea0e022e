"""Course trees for tests, built with Wagtail's tree API as an editor would publish them."""

import io
import json
import uuid
from decimal import Decimal

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from courses import services
from courses.models import CoursePage, LessonPage, ModulePage

QUIZ_ANSWERS_RIGHT = {"0": ["1"], "1": ["0", "2"], "2": ["true"], "3": ["Paris"]}


def quiz_block(*, pass_mark: int = 75, max_attempts: int = 2, required: bool = True) -> dict:
    def item(value):
        return {"type": "item", "id": str(uuid.uuid4()), "value": value}

    def choices(*pairs):
        return [item({"text": text, "correct": correct}) for text, correct in pairs]

    def question(kind, prompt, *, choices_=(), tf=False, accepted=""):
        return item(
            {
                "kind": kind,
                "prompt": prompt,
                "choices": list(choices_),
                "true_false_answer": tf,
                "accepted_answers": accepted,
                "feedback": f"Feedback for: {prompt}",
            }
        )

    return {
        "type": "quiz",
        "id": str(uuid.uuid4()),
        "value": {
            "title": "Check",
            "pass_mark": pass_mark,
            "max_attempts": max_attempts,
            "required": required,
            "questions": [
                question("single", "Pick B", choices_=choices(("SECRET-WRONG-A", False), ("SECRET-RIGHT-B", True))),
                question(
                    "multiple",
                    "Pick A and C",
                    choices_=choices(("A", True), ("B", False), ("C", True)),
                ),
                question("true_false", "The sky is blue", tf=True),
                question("short", "Capital of France?", accepted="Paris|paris, france"),
            ],
        },
    }


def make_course(
    teacher,
    *,
    title: str = "Test Course",
    price: str = "0",
    modules: int = 2,
    lessons: int = 2,
    quiz_in_last: bool = True,
    preview_first: bool = True,
    publish: bool = True,
    **fields,
) -> CoursePage:
    index = services.catalog_page_ensure()
    fields.setdefault("summary", f"Summary of {title}")
    course = CoursePage(title=title, price=Decimal(price), owner=teacher, live=publish, **fields)
    course.teachers = [teacher]
    index.add_child(instance=course)
    revision = course.save_revision(user=teacher)
    if publish:
        revision.publish()
    n = 0
    for m in range(modules):
        module = ModulePage(title=f"Module {m + 1}", owner=teacher)
        course.add_child(instance=module)
        module.save_revision(user=teacher).publish()
        for lesson_index in range(lessons):
            n += 1
            body = [{"type": "paragraph", "id": str(uuid.uuid4()), "value": f"<p>LESSON-BODY-{n} of {title}</p>"}]
            if quiz_in_last and m == modules - 1 and lesson_index == lessons - 1:
                body.append(quiz_block())
            lesson = LessonPage(
                title=f"Lesson {n}",
                owner=teacher,
                free_preview=preview_first and n == 1,
                body=json.dumps(body),
            )
            module.add_child(instance=lesson)
            lesson.save_revision(user=teacher).publish()
    course.refresh_from_db()
    return course


def lessons_of(course: CoursePage) -> list[LessonPage]:
    return list(LessonPage.objects.descendant_of(course).live().order_by("path"))


def make_image(owner, *, title: str = "Cover", size: tuple[int, int] = (1280, 720), color: str = "teal"):
    """A Wagtail image uploaded by `owner` (a JPEG of one colour)."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "JPEG")
    return get_image_model().objects.create(
        title=title, uploaded_by_user=owner, file=ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.jpg")
    )


def cover_set(course: CoursePage, image, *, user) -> CoursePage:
    """The teacher picks a cover in the studio and publishes the course."""
    course.cover_image = image
    course.save_revision(user=user).publish()
    course.refresh_from_db()
    return course
