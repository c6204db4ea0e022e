"""A lesson's video makes no request to YouTube or Vimeo until the student presses Play; then
the player loads, playing, with focus in it. The provider is a local stub (page.route), so the
test runs offline."""

import json
import re
import uuid

import pytest

from courses.tests.factories import lessons_of, make_course
from courses.tests.test_e2e import _site_ensure

pytestmark = pytest.mark.browser

PROVIDERS = re.compile(r"^https://(www\.youtube-nocookie\.com|player\.vimeo\.com|[^/]*youtube\.com|[^/]*ytimg\.com)/")


def _lesson_with_videos(teacher):
    course = make_course(teacher, title="Calculus", modules=1, lessons=1, quiz_in_last=False, preview_first=True)
    lesson = lessons_of(course)[0]
    lesson.body = json.dumps(
        [
            {"type": "paragraph", "id": str(uuid.uuid4()), "value": "<p>Watch both.</p>"},
            {
                "type": "video",
                "id": str(uuid.uuid4()),
                "value": {"url": "https://www.youtube.com/watch?v=rfscVS0vtbw", "title": "Limits explained"},
            },
            {"type": "video", "id": str(uuid.uuid4()), "value": {"url": "https://vimeo.com/76979871", "title": ""}},
        ]
    )
    lesson.save_revision(user=teacher).publish()
    return lesson


def test_a_video_loads_only_when_the_viewer_presses_play(new_page, asgi_server, teacher):
    _site_ensure()
    lesson = _lesson_with_videos(teacher)  # a free preview: a visitor may watch it

    page = new_page()
    outside = []
    page.on("request", lambda request: outside.append(request.url) if PROVIDERS.match(request.url) else None)
    page.route(
        PROVIDERS,
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Stub</title><p>Stub player</p>"
        ),
    )
    page.goto(lesson.url)
    play = page.get_by_role("button", name="Play video: Limits explained")
    play.wait_for()
    page.get_by_role("button", name="Play video", exact=True).wait_for()  # the Vimeo video has no title
    page.wait_for_load_state("networkidle")
    assert outside == [] and page.locator("iframe").count() == 0

    play.focus()
    page.keyboard.press("Enter")
    player = page.frame_locator('iframe[title="Limits explained"]')
    player.get_by_text("Stub player").wait_for()
    assert outside == ["https://www.youtube-nocookie.com/embed/rfscVS0vtbw?rel=0&autoplay=1"]
    assert page.evaluate("document.activeElement.title") == "Limits explained"  # focus went into the player
    # The other video is still waiting for its own click.
    assert page.locator("iframe").count() == 1
    assert page.get_by_role("button", name="Play video", exact=True).is_visible()
