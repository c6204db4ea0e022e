"""One vocabulary across the site ("Log in", "Sign up", "Log out", "Remember me"), a styled
file picker, and empty lists that offer the next step."""

import re

import pytest
from django.test import Client

from courses.tests.factories import make_course

pytestmark = pytest.mark.django_db

OTHER_WORDS = re.compile(r"Sign In|Sign Up|Sign Out|Signup|Remember Me|[Ss]ign in\b|[Ss]ign out\b|[Ss]ign-in")


def _text(html: str) -> str:
    """What a person reads: tags gone, whitespace folded."""
    return re.sub(r" ([.,])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _button_names(html: str) -> list[str]:
    return [_text(b) for b in re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S)]


def test_log_in_page_says_log_in_and_remember_me(client):
    html = client.get("/accounts/login/").content.decode()
    assert "Log in" in _button_names(html)
    assert re.search(r"<label[^>]*>\s*Remember me\s*</label>", html)
    assert re.search(r"<title>\s*Log in", html) and "New to Lyceum? Sign up." in _text(html)
    assert not OTHER_WORDS.search(_text(html))


def test_sign_up_page_says_sign_up(client):
    html = client.get("/accounts/signup/").content.decode()
    assert "Sign up" in _button_names(html)
    assert "Already have an account? Log in." in _text(html)
    assert not OTHER_WORDS.search(_text(html))


def test_log_out_page_says_log_out(client, student):
    client.force_login(student)
    html = client.get("/accounts/logout/").content.decode()
    assert "Log out" in _button_names(html) and "Are you sure you want to log out?" in html
    assert not OTHER_WORDS.search(_text(html))


def test_calls_to_action_for_visitors_say_log_in(teacher):
    free = make_course(teacher, title="Free course")
    paid = make_course(teacher, title="Paid course", price="25.00")
    visitor = Client()
    assert "Log in to enroll for free" in _text(visitor.get(free.url).content.decode())
    assert "Log in to buy this course" in _text(visitor.get(paid.url).content.decode())
    for url in ("/", "/courses/", free.url, paid.url, "/teachers/", "/billing/plans/"):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert not OTHER_WORDS.search(_text(response.content.decode())), url


def test_file_pickers_are_styled(client, student):
    client.force_login(student)
    html = client.get("/profile/").content.decode()
    assert re.search(r'<input type="file" name="profile-photo"[^>]*class="file-input"', html)


def test_empty_lists_offer_the_next_step(client, student, teacher):
    client.force_login(student)
    dashboard = client.get("/dashboard/student/").content.decode()
    assert re.search(r'class="empty-state[^"]*">You are not enrolled in a course yet\. <a href="/courses/">', dashboard)
    chats = client.get("/chat/").content.decode()
    next_step = r'class="empty-state">No conversations yet\..*?<a href="/teachers/">Find a teacher</a>'
    assert re.search(next_step, chats, re.S)
    client.force_login(teacher)
    studio = client.get("/dashboard/teacher/").content.decode()
    assert re.search(r'You have no courses yet\. <a href="/cms/">Write your first course', studio)
