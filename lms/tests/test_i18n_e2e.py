"""Browser tests of the translated site: Arabic is right-to-left and fits a phone; people
who read different languages each get the site and their emails in their own."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from lms.models import User
from lms.tests.e2e import login
from lms.tests.site_world import seed

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# The page's width against the viewport's, and the elements that stick out on either side
# (in a right-to-left page, what is too wide overflows to the left).
OVERFLOW = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const out = [...document.body.querySelectorAll("*")].filter((el) => {
    if (!el.checkVisibility()) return false;
    const box = el.getBoundingClientRect();
    if (box.left >= -1 && box.right <= width + 1) return false;
    for (let up = el.parentElement; up && up !== root; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return false;  // clipped by a scrolling box
    }
    return true;
  });
  const name = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 4).join(".")}`;
  return {scrollWidth: root.scrollWidth, clientWidth: width, wide: out.slice(0, 4).map(name)};
}"""


def translated(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def test_a_visitor_switches_to_arabic_and_every_page_is_right_to_left_and_fits_a_phone(new_page):
    world = seed()
    page = new_page(viewport=PHONE)
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"

    # The language menu in the header, by keyboard-free clicks as a visitor on a phone does.
    page.get_by_role("banner").get_by_label("Language: English").click()
    page.get_by_role("banner").get_by_role("link", name="العربية").click()
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.get_by_role("link", name=translated("ar", "Log in")).first.is_visible()
    # Right to left: the brand sits at the right-hand edge, the account links at the left.
    logo = page.get_by_role("banner").get_by_role("link", name="Lyceum").bounding_box()
    assert logo["x"] > PHONE["width"] / 2

    checked, wide = 0, []
    for role, (email, paths) in world.pages.items():
        if email:
            page = new_page(viewport=PHONE)
            login(page, email)
            User.objects.filter(email=email).update(language="ar")  # as chosen on their profile
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("dir") == "rtl", (role, path)
            found = page.evaluate(OVERFLOW)
            checked += 1
            print(f"ar 390px {role:17} {path:55} scrollWidth {found['scrollWidth']} / {found['clientWidth']}")
            if found["scrollWidth"] > found["clientWidth"] or found["wide"]:
                wide.append(f"{role} {path}: {found['scrollWidth']} > {found['clientWidth']}; {found['wide']}")
    assert checked > 50
    assert not wide, f"{len(wide)} of {checked} Arabic pages overflow at 390 px:\n" + "\n".join(wide)


def test_a_signed_in_member_s_language_choice_follows_them_to_another_browser(new_page, student):
    page = new_page()
    login(page, student.email)
    page.goto("/profile/")
    page.get_by_role("banner").get_by_label("Language: English").click()
    page.get_by_role("banner").get_by_role("button", name="हिन्दी").click()
    page.wait_for_function("document.documentElement.lang === 'hi'")
    assert User.objects.get(pk=student.pk).language == "hi"
    other = new_page()
    login(other, student.email)
    other.goto("/dashboard/student/")
    assert other.locator("html").get_attribute("lang") == "hi"


def _confirmations(server, address: str) -> list:
    """The calendar invitations (with invite.ics) the server has emailed to `address`."""
    found = []
    for message in server.emails():
        if address in message["To"] and any(part.get_filename() == "invite.ics" for part in message.walk()):
            found.append(message)
    return found


def _subject(message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def _body(message) -> str:
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    if (part["Content-Transfer-Encoding"] or "").lower() in {"base64", "quoted-printable"}:
        return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return part.get_payload()  # 8bit: the parsed text as it is


def test_a_hindi_student_books_a_spanish_teacher_and_each_is_told_in_their_own_language(
    new_page, asgi_server, student, teacher
):
    from live.tests.factories import availability_set

    student.language, teacher.language = "hi", "es"
    student.save(update_fields=["language"])
    teacher.save(update_fields=["language"])
    every_day = [(day, "00:00", "23:30") for day in range(7)]
    availability_set(teacher, zone="Europe/London", hours=every_day, min_notice_hours=2, class_minutes=30)

    learner = new_page()
    login(learner, student.email)
    learner.goto(f"/teachers/{teacher.teacher_profile.slug}/")
    assert learner.locator("html").get_attribute("lang") == "hi"
    widget = learner.get_by_role("region", name=translated("hi", "Book a live class"))
    widget.get_by_role("radio").first.check()
    widget.get_by_role("button", name=translated("hi", "Request this time")).click()
    widget.get_by_role("status").first.wait_for()

    tutor = new_page()
    login(tutor, teacher.email)
    tutor.goto("/dashboard/teacher/")
    assert tutor.locator("html").get_attribute("lang") == "es"
    tutor.get_by_role("button", name=translated("es", "Approve")).first.click()
    approved = translated("es", "Confirmed. The student has their link and invitation.")
    tutor.get_by_role("status").filter(has_text=approved).wait_for()

    confirmed = "Confirmed: %(title)s · %(when)s"
    for person, language in ((student, "hi"), (teacher, "es")):
        (message,) = _confirmations(asgi_server, person.email)
        prefix = translated(language, confirmed).split("%(")[0]
        assert prefix and prefix != confirmed.split("%(")[0]
        assert _subject(message).startswith(prefix), (language, _subject(message))
        other = "es" if language == "hi" else "hi"
        assert translated(other, confirmed).split("%(")[0] not in _body(message) + _subject(message)
    # Times in each one's own language's words (Hindi's and Spanish's month names differ).
    assert any("\u0900" <= char <= "\u097f" for char in _body(_confirmations(asgi_server, student.email)[0]))
