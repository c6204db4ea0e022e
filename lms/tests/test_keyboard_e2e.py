"""Keyboard only (issue 18): after logging in, every step is a key press — Tab, Shift+Tab,
Enter, Space, arrows, Escape — never a click. Each step asserts where focus went, that it
is visible there, and what the page's polite live region (#announcer, base.html) said.

After an HTMX swap removes the control that was pressed, focus goes to the new status or
result (static/js/lyceum.js); it never falls back to <body>, where the next Tab would land
in the footer.
"""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from chat import services as chat_services
from courses import services as course_services
from courses.models import Enrollment, LessonProgress
from courses.tests.factories import lessons_of, make_course
from courses.tests.test_e2e import _site_ensure
from live import services as live_services
from live.models import LiveClass
from live.tests.factories import availability_set
from lms.models import Role
from lms.tests.e2e import login
from lms.tests.factories import make_user

pytestmark = pytest.mark.browser

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


# --- Keyboard steps ---------------------------------------------------------------------------


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, target, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `target` has focus, as a keyboard user would."""
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def focused_description(page) -> str:
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          return e ? `${e.tagName} ${e.id} “${e.textContent.trim().slice(0, 60)}”` : "none";
        }"""
    )


def assert_focus_visible(page) -> None:
    """The focused element shows a ring or an outline (for a visually hidden radio: its label)."""
    shown = page.evaluate(
        """() => {
          const element = document.activeElement;
          const hidden = element.type === "radio" && getComputedStyle(element).opacity === "0";
          const boxed = hidden ? element.closest("label") : element;
          const style = getComputedStyle(boxed);
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
          return outline || style.boxShadow !== "none";
        }"""
    )
    assert shown, f"no visible focus indicator on {focused_description(page)}"


# Every text put into the polite live region, since the page loaded (it empties itself later).
RECORD_ANNOUNCEMENTS = """
window.__announced = [];
document.addEventListener("DOMContentLoaded", () => {
  const region = document.getElementById("announcer");
  if (!region) return;
  window.__announcerPolite = region.getAttribute("aria-live") === "polite";
  new MutationObserver(() => {
    const text = region.textContent.trim();
    if (text) window.__announced.push(text);
  }).observe(region, { childList: true, characterData: true, subtree: true });
});
"""


def keyboard_page(new_page, **options):
    page = new_page(**options)
    page.add_init_script(RECORD_ANNOUNCEMENTS)
    return page


def expect_announced(page, text: str, *, exact: bool = True) -> None:
    """The one polite live region (base.html's #announcer, never swapped) said `text` since
    the last time this was asserted."""
    check = "a === text" if exact else "a.includes(text)"
    try:
        page.wait_for_function(f"text => window.__announcerPolite && window.__announced.some(a => {check})", arg=text)
    except PlaywrightTimeoutError:
        said = page.evaluate("[window.__announcerPolite, window.__announced]")
        raise AssertionError(f"the polite live region never said {text!r}: (polite, said) = {said}") from None
    page.evaluate("window.__announced.length = 0")


# --- Catalog and enrolling ---------------------------------------------------------------------


def test_search_page_open_and_enroll_in_a_course(new_page, student, teacher):
    _site_ensure()
    for n in range(13):  # one more than a page of results
        make_course(teacher, title=f"Graph Theory {n + 1:02}", modules=1, lessons=1, quiz_in_last=False)
    make_course(teacher, title="Poetry Workshop", modules=1, lessons=1, quiz_in_last=False)
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 900})
    login(page, student.email)
    page.goto("/courses/")

    search = page.get_by_role("searchbox", name="Search courses")
    tab_to(page, search)
    assert_focus_visible(page)
    page.keyboard.type("graph")
    page.wait_for_url(re.compile(r"/courses/\?.*q=graph"))
    results = page.get_by_role("region", name="Courses")
    expect(results.get_by_text("13 courses")).to_be_visible()
    expect_announced(page, "13 courses")
    expect(search).to_be_focused()  # typing goes on where it was

    # Next replaces itself with page 2: focus goes to the new result count, not <body>.
    tab_to(page, results.get_by_role("link", name="Next"))
    page.keyboard.press("Enter")
    expect(results.get_by_text("Page 2 of 2")).to_be_visible()
    count = results.get_by_text("13 courses")
    expect(count.locator("xpath=..")).to_be_focused()
    assert_focus_visible(page)
    expect_announced(page, "13 courses")

    # The next Tab is the first course on page 2.
    page.keyboard.press("Tab")
    opened = page.evaluate("document.activeElement.textContent.trim()")
    assert opened.startswith("Graph Theory"), focused_description(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Graph Theory \d\d$"))

    enroll = page.get_by_role("button", name="Enroll for free")
    tab_to(page, enroll)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    # The first lesson opens with the confirmation (in the page's status region) focused.
    expect(page.get_by_role("heading", name="Lesson 1")).to_be_visible()
    messages = page.get_by_role("status").filter(has_text="You are enrolled in Graph Theory")
    expect(messages.locator("[data-announce]")).to_be_focused()
    assert_focus_visible(page)
    assert Enrollment.objects.filter(student=student).count() == 1


# --- A lesson: mark complete, then a quiz ---------------------------------------------------------


def test_mark_complete_then_answer_the_quiz(new_page, student, teacher):
    _site_ensure()
    course = make_course(teacher, title="Graph Theory", modules=1, lessons=2)
    course_services.enrollment_create(student=student, course=course, source="staff")
    first, second = lessons_of(course)
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 900})
    login(page, student.email)
    page.goto(first.url)

    tab_to(page, page.get_by_role("button", name="Mark as complete"))
    page.keyboard.press("Enter")
    done = page.get_by_role("status").filter(has_text="Lesson complete")
    expect(done).to_be_focused()
    assert_focus_visible(page)
    expect_announced(page, "Lesson complete")
    # The next Tab goes on from the status to the next lesson, not to the footer.
    page.keyboard.press("Tab")
    lesson_navigation = page.get_by_role("navigation", name="Lesson navigation")
    expect(lesson_navigation.get_by_role("link", name="Lesson 2")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Lesson 2")).to_be_visible()
    quiz = page.get_by_role("region", name="Check")
    # 1. Single choice: Tab lands on the group, the arrow moves to (and picks) the second answer.
    tab_to(page, quiz.get_by_label("SECRET-WRONG-A"))
    page.keyboard.press("ArrowDown")
    expect(quiz.get_by_label("SECRET-RIGHT-B")).to_be_checked()
    # 2. Several answers: Space ticks A and C.
    page.keyboard.press("Tab")
    expect(quiz.get_by_label("A", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(quiz.get_by_label("C", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    # 3. True or false, 4. a typed answer.
    page.keyboard.press("Tab")
    expect(quiz.get_by_label("True", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Paris")
    tab_to(page, quiz.get_by_role("button", name="Submit answers"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")

    result = quiz.get_by_text("Passed with 100%. Well done!")
    expect(result).to_be_focused()
    assert_focus_visible(page)
    # The quiz and the lesson's status both changed; the region says both.
    expect_announced(page, "Passed with 100%. Well done! Lesson complete")
    assert LessonProgress.objects.filter(student=student, lesson=second).exists()


# --- Booking a live class ---------------------------------------------------------------------------


def test_pick_a_time_and_request_it(new_page, student, teacher):
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 900})
    login(page, student.email)
    page.goto(f"/teachers/{teacher.teacher_profile.slug}/")
    widget = page.get_by_role("region", name="Book a live class")
    # A group per day, named by the day.
    days = widget.get_by_role("group").filter(has=page.get_by_role("radio"))
    assert days.count() >= 6
    first_day = days.first
    slots = first_day.get_by_role("radio")

    # Tab reaches the first time; Space picks it, the arrow moves the choice on.
    tab_to(page, slots.nth(0))
    assert_focus_visible(page)
    page.keyboard.press("Space")
    expect(slots.nth(0)).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(slots.nth(1)).to_be_focused()
    expect(slots.nth(1)).to_be_checked()
    # The picked time shows a check mark and a ring; the others do not.
    labels = first_day.locator("label")
    expect(labels.nth(1).locator("[data-slot-check]")).to_be_visible()
    expect(labels.nth(0).locator("[data-slot-check]")).to_be_hidden()
    assert labels.nth(1).evaluate("label => getComputedStyle(label).boxShadow") != "none"
    picked = slots.nth(1).get_attribute("value")

    # Someone else takes that time first: the error is focused and said.
    other = make_user(Role.STUDENT, email="quick@example.com")
    live_services.booking_request(student=other, teacher=teacher, start=_slot_start(picked), note="")
    tab_to(page, widget.get_by_role("button", name="Request this time"))
    page.keyboard.press("Enter")
    error = widget.get_by_role("alert")
    expect(error).to_contain_text("just taken")
    expect(error).to_be_focused()
    expect_announced(page, "just taken", exact=False)

    # Pick the first free time and send the request.
    tab_to(page, widget.get_by_role("radio").first)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # out of the radio group: the next control is Later, then the note
    tab_to(page, widget.get_by_label(re.compile("Note for")))
    page.keyboard.type("Can we do integrals?")
    page.keyboard.press("Tab")
    expect(widget.get_by_role("button", name="Request this time")).to_be_focused()
    page.keyboard.press("Enter")
    sent = widget.get_by_text("Request sent for")
    expect(sent).to_be_focused()
    assert_focus_visible(page)
    expect_announced(page, "Request sent for", exact=False)
    booked = LiveClass.objects.exclude(participants__student=other).get()
    assert booked.participants.get().note == "Can we do integrals?"


def _slot_start(key: str):
    from live.slots import parse_slot_key

    return parse_slot_key(key)


def test_visitors_see_disabled_times_and_a_way_to_log_in(new_page, teacher):
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 900})
    page.goto(f"/teachers/{teacher.teacher_profile.slug}/")
    widget = page.get_by_role("region", name="Book a live class")
    label = widget.locator("label").first
    expect(label.get_by_role("radio")).to_be_disabled()
    assert label.evaluate("label => getComputedStyle(label).cursor") == "not-allowed"
    assert label.evaluate("label => getComputedStyle(label).borderStyle") == "dashed"
    log_in = widget.get_by_role("link", name="Log in to book")
    tab_to(page, log_in)
    assert_focus_visible(page)
    # Disabled times are skipped: the next Tab leaves the times.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") != "radio", focused_description(page)
    tab_to(page, log_in, backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/teachers/"))


# --- Chat ------------------------------------------------------------------------------------------


def test_send_a_chat_message(new_page, student, teacher):
    _site_ensure()
    course = make_course(teacher, title="Graph Theory", modules=1, lessons=1, quiz_in_last=False)
    course_services.enrollment_create(student=student, course=course, source="staff")
    conversation = chat_services.conversation_start(user=student, other=teacher)
    chat_services.message_post(sender=teacher, conversation=conversation, body="Did you try the homework?")
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 900})
    login(page, student.email)
    page.goto(f"/chat/{conversation.pk}/")

    box = page.get_by_label("Message", exact=True)
    tab_to(page, box)
    assert_focus_visible(page)
    page.keyboard.type("Hello, can we go over question 3?")
    page.keyboard.press("Enter")
    # The message is added to the log, a live region that stays in place; focus stays in the box.
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.get_by_text("Hello, can we go over question 3?")).to_be_visible()
    expect(box).to_be_focused()
    expect(box).to_have_value("")

    # Report replaces itself with its result: focus goes there, and it is said.
    tab_to(page, log.get_by_role("button", name="Report message from Tess Teacher"), backwards=True)
    page.keyboard.press("Enter")
    thanks = log.get_by_text("Thank you. A moderator will look at this message.")
    expect(thanks).to_be_focused()
    assert_focus_visible(page)
    expect_announced(page, "Thank you. A moderator will look at this message.")


# --- Any other swap that replaces the pressed control ----------------------------------------------


def test_mark_a_notification_as_read(new_page, student):
    from lms.services import notify

    notify(user=student, kind="course", title="Older news", email=False)
    notify(user=student, kind="course", title="Newest news", email=False)
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 900})
    login(page, student.email)
    page.goto("/notifications/")
    tab_to(page, page.get_by_role("button", name=re.compile("Mark as read.*Newest news")))
    page.keyboard.press("Enter")
    # The item, now read, has focus (not <body>); the next Tab reaches the next item's button.
    item = page.get_by_role("listitem").filter(has_text="Newest news")
    expect(item).to_be_focused()
    expect(item.get_by_text("New", exact=True)).to_have_count(0)
    assert_focus_visible(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=re.compile("Mark as read.*Older news"))).to_be_focused()


# --- The header's menus -------------------------------------------------------------------------


def test_the_account_menu_opens_and_escape_closes_it(new_page, student):
    page = keyboard_page(new_page, viewport={"width": 1280, "height": 800})
    login(page, student.email)
    page.goto("/courses/")
    summary = page.get_by_label("Account menu for Sam Student")
    menu = page.locator("details").filter(has=summary)
    tab_to(page, summary)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Dashboard", exact=True)).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    # Space opens it too; Escape from the summary itself closes it.
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()


def test_the_phone_menu_opens_and_escape_closes_it(new_page):
    page = keyboard_page(new_page, viewport={"width": 390, "height": 844})
    page.goto("/")
    summary = page.get_by_label("Menu", exact=True)
    menu = page.locator("details").filter(has=summary)
    tab_to(page, summary)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    mobile_nav = page.get_by_role("navigation", name="Mobile")
    page.keyboard.press("Tab")
    first_link = mobile_nav.get_by_role("link").first
    expect(first_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(mobile_nav).to_be_hidden()
    expect(summary).to_be_focused()
    # Open again and follow a link with Enter.
    page.keyboard.press("Enter")
    tab_to(page, mobile_nav.get_by_role("link", name="Teachers"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/teachers/$"))
