"""In chromium: the site installs as an app, and a lesson the student opened online can be read
offline with its image, marked as a saved copy; signing out forgets it."""

import json
import time
import uuid

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from courses import services as course_services
from courses.tests.factories import lessons_of, make_course, make_image
from lms.tests.e2e import login
from push.models import PushSubscription

pytestmark = pytest.mark.browser

SAVED_LESSONS = "caches.open('lyceum-lessons').then(cache => cache.keys()).then(keys => keys.map(r => r.url))"
SAVED_IMAGES = SAVED_LESSONS.replace("lyceum-lessons", "lyceum-images")


def _until(page, expression: str, timeout: float = 10):
    """Wait for a promise-valued expression to come true (wait_for_function would not await it)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.1)


def _lesson_with_an_image(teacher):
    course = make_course(teacher, title="Botany", modules=1, lessons=2, quiz_in_last=False)
    lesson = lessons_of(course)[1]
    image = make_image(teacher, title="Leaf", size=(400, 300), color="green")
    body = [
        {"type": "paragraph", "id": str(uuid.uuid4()), "value": "<p>How leaves breathe.</p>"},
        {"type": "image", "id": str(uuid.uuid4()), "value": {"image": image.pk, "caption": "", "alt_text": "A leaf"}},
    ]
    lesson.body = json.dumps(body)
    lesson.save_revision(user=teacher).publish()
    return course, lesson


def test_the_site_describes_itself_as_an_installable_app(db):
    manifest = Client().get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    app = manifest.json()
    assert (app["name"], app["display"], app["start_url"]) == ("Lyceum", "standalone", "/dashboard/")
    assert {icon["sizes"] for icon in app["icons"]} == {"192x192", "512x512"}
    for icon in app["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL))
    worker = Client().get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript") and worker["Cache-Control"] == "no-cache"
    assert b'"/offline/"' in worker.content
    offline = Client().get("/offline/")
    assert offline.status_code == 200 and b"You are offline" in offline.content


def test_a_lesson_read_online_opens_offline_with_its_image_and_sign_out_forgets_it(
    new_page, asgi_server, settings, student, teacher
):
    settings.MEDIA_ROOT = str(asgi_server.media_root)  # the image is uploaded where the server reads it
    course, lesson = _lesson_with_an_image(teacher)
    course_services.course_enroll(student=student, course=course)
    page = new_page(service_workers="allow")
    login(page, student.email)
    page.goto("/dashboard/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    page.goto(lesson.url)
    page.get_by_role("img", name="A leaf").wait_for()
    _until(page, f"{SAVED_LESSONS}.then(urls => urls.length === 1)")
    _until(page, f"{SAVED_IMAGES}.then(urls => urls.some(url => url.includes('/media/images/leaf')))")
    assert page.get_by_role("status").filter(has_text="Saved copy").count() == 0

    page.context.set_offline(True)
    page.goto(lesson.url)
    page.get_by_text("Saved copy — you are offline.").wait_for()
    page.get_by_text("How leaves breathe.").wait_for()
    page.wait_for_function("document.querySelector('img[alt=\"A leaf\"]').naturalWidth > 0")  # from the device
    assert page.get_by_role("button", name="Mark as complete").is_disabled()

    page.goto(lessons_of(course)[0].url)  # never opened: not on the device
    page.get_by_role("heading", name="You are offline").wait_for()
    page.get_by_role("link", name=lesson.title, exact=False).wait_for()

    page.context.set_offline(False)
    page.goto("/dashboard/")
    page.locator("summary[aria-label^='Account menu']").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")
    _until(page, "caches.has('lyceum-lessons').then(kept => !kept)")


def test_the_push_switch_offers_this_device_and_says_why_it_could_not_subscribe(new_page, student):
    """This machine's chromium cannot reach its vendor's push service (no network), so turning
    push on fails there: the page says so, and no device is kept."""
    page = new_page(service_workers="allow")
    page.context.grant_permissions(["notifications"])
    login(page, student.email)
    page.goto("/notifications/settings/")
    switch = page.get_by_role("button", name="Turn on for this device")
    switch.click()
    page.get_by_text("Push could not be turned on here:").wait_for()
    assert switch.is_enabled() and switch.get_attribute("aria-pressed") == "false"
    assert not PushSubscription.objects.exists()
