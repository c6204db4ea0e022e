"""Steps browser tests share, done the way a person does them."""

import re

from lms.tests.factories import PASSWORD


def login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
