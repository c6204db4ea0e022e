"""Steps browser tests share, done the way a person does them."""

import re

from lms.tests.factories import PASSWORD


def login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def answer_quiz_correctly(page) -> None:
    """Answers the test quiz (courses.tests.factories' four questions) right and submits it."""
    page.get_by_label("SECRET-RIGHT-B").check()
    quiz = page.get_by_role("region", name="Check")
    quiz.get_by_label("A", exact=True).check()
    quiz.get_by_label("C", exact=True).check()
    quiz.get_by_label("True", exact=True).check()
    page.get_by_label("Your answer to question 4").fill("Paris")
    page.get_by_role("button", name="Submit answers").click()
