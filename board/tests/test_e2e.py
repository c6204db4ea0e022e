"""Browser test: a student posts a request, two tutors apply, the student compares them and
accepts one, lands in the conversation and writes, then opens the booking widget."""

import re

import pytest

from board.models import Application, Post
from board.tests.factories import level, make_tutor, subject
from live.tests.factories import availability_set
from lms.tests.e2e import login

pytestmark = pytest.mark.browser

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


def test_post_apply_compare_accept_chat_and_book(new_page, student, teacher, other_teacher):
    subject(), level()
    make_tutor(teacher, rate_60=3600)
    make_tutor(other_teacher, rate_60=2800)
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)

    # The student posts a request.
    student_page = new_page()
    login(student_page, student.email)
    student_page.goto("/board/")
    student_page.get_by_role("link", name="Post a request").click()
    student_page.get_by_label("Subject").select_option(label="Mathematics")
    student_page.get_by_label("Level").select_option(label="Beginner")
    student_page.get_by_label("Your goals").fill("Confident with equations before May.")
    student_page.get_by_label("weekday evenings").check()
    student_page.get_by_label("Budget per 60 minutes").fill("40")
    student_page.get_by_role("button", name="Post").click()
    student_page.get_by_text("Your request is on the board.").wait_for()
    post = Post.objects.get()
    assert student_page.url.endswith(post.get_absolute_url())

    # Two tutors find it on the board and apply (HTMX, the page does not reload).
    for user, message, rate in [
        (teacher, "I have taught GCSE algebra for ten years.", "36"),
        (other_teacher, "Patient and practical lessons.", "28"),
    ]:
        page = new_page()
        login(page, user.email)
        page.goto("/board/")
        page.get_by_role("link", name=re.compile("Mathematics")).first.click()
        page.get_by_label("Your message").fill(message)
        page.get_by_label("Your rate per 60 minutes").fill(rate)
        page.get_by_role("button", name="Send application").click()
        page.get_by_role("region", name="Your application").get_by_text("Your application is saved.").wait_for()
    assert Application.objects.count() == 2

    # The student compares them side by side and accepts one.
    student_page.goto(post.get_absolute_url())
    student_page.get_by_role("link", name="Compare applicants").click()
    table = student_page.get_by_role("table", name="Applicants side by side")
    table.get_by_text("Patient and practical lessons.").wait_for()
    assert table.get_by_role("columnheader", name="Tess Teacher").is_visible()
    table.get_by_role("button", name="Accept Tess Teacher").click()

    # The conversation opens with the tutor's message; the student writes.
    student_page.wait_for_url(re.compile(r"/chat/\d+/$"))
    student_page.get_by_role("log").get_by_text("I have taught GCSE algebra for ten years.").wait_for()
    student_page.get_by_label("Message", exact=True).fill("Great! Could we start next week?")
    student_page.get_by_role("button", name="Send").click()
    student_page.get_by_role("log").get_by_text("Great! Could we start next week?").wait_for()

    # And books a trial lesson from the link the acceptance left.
    student_page.goto(post.get_absolute_url())
    student_page.get_by_role("link", name="Book a lesson with Tess Teacher").click()
    student_page.wait_for_url(re.compile(r"/live/teachers/tess-teacher/$"))
    student_page.get_by_role("heading", name="Book a class with Tess Teacher").wait_for()
    student_page.locator("#booking-widget").get_by_role("radio").first.wait_for()
