"""Two people in two browsers: live messages, typing, read receipt, escaping and an attachment."""

import io
import re

import pytest
from PIL import Image

from lms.tests.e2e import login

pytestmark = pytest.mark.browser


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_student_and_teacher_talk_live(new_page, enrolled, teacher):
    student_page = new_page()
    teacher_page = new_page()
    login(student_page, enrolled.email)
    login(teacher_page, teacher.email)

    # The student starts the conversation from the teacher's profile.
    student_page.goto(f"/teachers/{teacher.teacher_profile.slug}/")
    student_page.get_by_role("button", name="Message Tess Teacher").click()
    student_page.wait_for_url(re.compile(r"/chat/\d+/$"))
    conversation_url = student_page.url

    teacher_page.goto("/chat/")
    teacher_page.get_by_role("link", name=re.compile("Sam Student")).click()
    teacher_page.wait_for_url(conversation_url)
    student_page.get_by_text("Online").wait_for()  # the teacher arrived

    # Typing shows on the other side; the message arrives without a reload.
    box = student_page.get_by_label("Message", exact=True)
    box.press_sequentially("Hello, can we go over question 3?")
    teacher_page.get_by_text("Sam Student is typing…").wait_for()
    student_page.get_by_role("button", name="Send").click()
    teacher_page.get_by_text("Hello, can we go over question 3?").wait_for()
    # The teacher's open page read it: the student sees the receipt.
    student_page.get_by_text("Seen", exact=True).wait_for()

    # Markup in a message shows as text, live and after a reload (the server escapes it).
    markup = '<b>bold?</b> <img src=x onerror="document.title=1">'
    box.fill(markup)
    student_page.get_by_role("button", name="Send").click()
    teacher_log = teacher_page.get_by_role("log")
    teacher_log.get_by_text(markup).wait_for()
    assert teacher_log.locator("b, img[src=x]").count() == 0
    teacher_page.reload()
    teacher_log.get_by_text(markup).wait_for()
    assert teacher_log.locator("b, img[src=x]").count() == 0 and teacher_page.title() != "1"

    # A reply with an image attachment.
    teacher_page.get_by_label("Message", exact=True).fill("Of course — here is the diagram.")
    teacher_page.get_by_label("Attach an image or PDF").set_input_files(
        files=[{"name": "diagram.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    teacher_page.get_by_role("button", name="Send").click()
    student_page.get_by_text("Of course — here is the diagram.").wait_for()
    image = student_page.get_by_role("img", name="diagram.png")
    image.wait_for()
    assert (
        student_page.evaluate(
            "async (src) => (await fetch(src)).headers.get('content-type')", image.get_attribute("src")
        )
        == "image/png"
    )

    # Nothing doubled after all of that, and a reload shows the same history.
    log = student_page.get_by_role("log")
    assert log.get_by_text("Hello, can we go over question 3?").count() == 1
    student_page.reload()
    assert log.get_by_text("Of course — here is the diagram.").count() == 1
    assert log.get_by_text("Hello, can we go over question 3?").count() == 1
