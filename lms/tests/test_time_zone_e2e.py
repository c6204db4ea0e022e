"""Times in the viewer's zone, in a browser in America/Los_Angeles or Asia/Kolkata: a visitor
from the first page, and the page says which zone it shows (issue 18, item 7); a signed-in
user's pages and live chat in their zone (items 8 and "What to show"); a device in another
zone than the profile's is offered the switch (item 9)."""

import re
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from lms.models import User
from lms.tests.e2e import login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_a_visitors_first_page_is_in_their_browsers_zone(new_page, zone):
    page = new_page(timezone_id=zone)
    page.goto("/courses/")
    # The name the browser reports (Chromium says Asia/Calcutta for Asia/Kolkata: the same zone).
    reported = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert reported in {zone, "Asia/Calcutta"}
    expect(page.locator("footer")).to_contain_text(f"Times are shown in {reported}.")
    # The next page is rendered in the zone straight away.
    page.goto("/teachers/")
    expect(page.locator("html")).to_have_attribute("data-visitor-time-zone", reported)


# --- Signed-in people (issue 18, items 8 and 9, and "What to show") --------------------------

ZONES = ["America/Los_Angeles", "Asia/Kolkata"]
EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


def device_in(new_page, server, zone: str, user=None):
    """A browser whose device is in `zone`, signed in as `user` (with the zone cookie
    lyceum.js keeps already set, so no first page loads twice under the test)."""
    page = new_page(timezone_id=zone)
    page.context.add_cookies([{"name": "tz", "value": quote(zone, safe=""), "url": server.url}])
    if user is not None:
        login(page, user.email)
    return page


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize("zone", ZONES)
def test_signed_in_pages_show_the_viewers_times(new_page, asgi_server, student, teacher, zone):
    """The dashboard's live class and the booking page's free times, in the viewer's zone."""
    from live import services as live_services
    from live.selectors import teacher_free_slots
    from live.tests.factories import availability_set

    User.objects.filter(pk=student.pk).update(time_zone=zone)
    availability_set(teacher, zone="UTC", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    start = teacher_free_slots(teacher=teacher)[3].start
    live_class = live_services.booking_request(student=student, teacher=teacher, start=start, note="")
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)

    page = device_in(new_page, asgi_server, zone, student)
    page.goto("/dashboard/student/")
    when = local(start, zone)
    # The class's day and time as the viewer's clock says them, not the server's (UTC).
    expect(page.locator("main")).to_contain_text(re.compile(rf"{when:%-d %b}\b.*{when:%H:%M}"))
    expect(page.locator("main")).not_to_contain_text(re.compile(rf"{start:%-d %b}\b.*{start:%H:%M}"))
    expect(page.locator("footer")).to_contain_text(f"Times are shown in {zone}.")
    # The device and the profile agree (Chromium's "Asia/Calcutta" is Asia/Kolkata): no notice.
    expect(page.get_by_text("Your device is set to")).to_have_count(0)

    page.goto(f"/live/teachers/{teacher.teacher_profile.slug}/")
    slot = page.get_by_role("radio").first
    free = datetime.strptime(slot.get_attribute("value"), "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    expect(slot).to_have_accessible_name(re.compile(local(free, zone).strftime("%H:%M")))


def test_live_and_reloaded_chat_messages_show_the_same_time_in_each_viewers_zone(
    new_page, asgi_server, student, teacher
):
    """One message, two people in two zones: each sees it at their own clock's time, the
    same live as after a reload (issue 18, item 8)."""
    from chat.models import Message
    from chat.services import conversation_start
    from courses.services import enrollment_create
    from courses.tests.factories import make_course

    User.objects.filter(pk=student.pk).update(time_zone="America/Los_Angeles")
    User.objects.filter(pk=teacher.pk).update(time_zone="Asia/Kolkata")
    enrollment_create(student=student, course=make_course(teacher, modules=1, lessons=1), source="staff")
    conversation = conversation_start(user=student, other=teacher)
    pages = {
        "America/Los_Angeles": device_in(new_page, asgi_server, "America/Los_Angeles", student),
        "Asia/Kolkata": device_in(new_page, asgi_server, "Asia/Kolkata", teacher),
    }
    for page in pages.values():
        page.goto(f"/chat/{conversation.pk}/")
    pages["America/Los_Angeles"].get_by_text("Online").wait_for()  # the teacher's tab is open

    for sender_zone, text in (("America/Los_Angeles", "When is our class?"), ("Asia/Kolkata", "Tomorrow at ten.")):
        pages[sender_zone].get_by_label("Message", exact=True).fill(text)
        pages[sender_zone].get_by_role("button", name="Send").click()
        for page in pages.values():
            page.get_by_role("log").get_by_role("listitem").filter(has_text=text).wait_for()
        sent = Message.objects.get(body=text).created_at
        live = {zone: stamp(page, text) for zone, page in pages.items()}
        for page in pages.values():
            page.reload()
        reloaded = {zone: stamp(page, text) for zone, page in pages.items()}
        assert live == reloaded == {zone: f"{local(sent, zone):%-d %b, %H:%M}" for zone in pages}, text


def stamp(page, text: str) -> str:
    """The time shown on the message with this text."""
    item = page.get_by_role("log").get_by_role("listitem").filter(has_text=text)
    return item.locator("time").inner_text().strip()


def test_a_device_in_another_zone_is_offered_the_switch(new_page, asgi_server, student, teacher):
    """Device in Asia/Kolkata, profile in Europe/London: the notice, then each answer (item 9)."""
    User.objects.filter(pk__in=[student.pk, teacher.pk]).update(time_zone="Europe/London")

    page = device_in(new_page, asgi_server, "Asia/Kolkata", student)
    page.goto("/dashboard/student/")
    notice = page.get_by_role("region", name=re.compile("Your device is set to"))
    expect(notice).to_have_text(
        re.compile(r"Times are shown in Europe/London\. Your device is set to Asia/Kolkata\.\s*Use Asia/Kolkata\s*Keep")
    )
    notice.get_by_role("button", name="Use Asia/Kolkata").click()
    expect(page.get_by_role("status")).to_contain_text("Times are now shown in Asia/Kolkata.")
    expect(page.locator("footer")).to_contain_text("Times are shown in Asia/Kolkata.")
    expect(page.get_by_text("Your device is set to")).to_have_count(0)
    assert page.url.endswith("/dashboard/student/")
    student.refresh_from_db()
    assert student.time_zone == "Asia/Kolkata"

    # "Keep": the profile's zone stays, and the notice does not come back on the next page.
    page = device_in(new_page, asgi_server, "Asia/Kolkata", teacher)
    page.goto("/notifications/")
    page.get_by_role("region", name=re.compile("Your device is set to")).get_by_role("button", name="Keep").click()
    expect(page.get_by_text("Your device is set to")).to_have_count(0)
    page.goto("/dashboard/teacher/")
    expect(page.locator("footer")).to_contain_text("Times are shown in Europe/London.")
    expect(page.get_by_text("Your device is set to")).to_have_count(0)
    teacher.refresh_from_db()
    assert teacher.time_zone == "Europe/London"
