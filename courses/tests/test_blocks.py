import pytest
from bs4 import BeautifulSoup
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.embeds import get_embed

from courses.blocks import QuestionBlock, VideoBlock
from courses.embeds import LocalVideoFinder, parse_video_url, player_html
from lms.tests.test_outside_hosts import outside_fetches


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=rfscVS0vtbw", ("youtube", "rfscVS0vtbw")),
        ("https://youtu.be/rfscVS0vtbw?t=30", ("youtube", "rfscVS0vtbw")),
        ("https://www.youtube.com/embed/rfscVS0vtbw", ("youtube", "rfscVS0vtbw")),
        ("https://www.youtube.com/shorts/rfscVS0vtbw", ("youtube", "rfscVS0vtbw")),
        ("https://vimeo.com/76979871", ("vimeo", "76979871")),
        ("https://player.vimeo.com/video/76979871", ("vimeo", "76979871")),
        ("https://vimeo.com/channels/staffpicks/76979871", ("vimeo", "76979871")),
        ("https://example.com/watch?v=rfscVS0vtbw", None),
        ("javascript:alert(1)", None),
        ("https://www.youtube.com/watch?v=<script>", None),
        ("", None),
    ],
)
def test_video_urls(url, expected):
    assert parse_video_url(url) == expected


def test_player_is_built_locally_and_escaped():
    html = player_html("https://youtu.be/rfscVS0vtbw", title='A "quoted" title')
    assert 'src="https://www.youtube-nocookie.com/embed/rfscVS0vtbw?rel=0"' in html
    assert "&quot;quoted&quot;" in html
    assert player_html("https://example.com/video") == ""


def test_the_player_waits_for_a_click():
    soup = BeautifulSoup(player_html("https://vimeo.com/76979871", title="Limits"), "html.parser")
    # The iframe is inert inside a <template>; the page shows a real button and its own poster.
    assert soup.find("iframe").find_parent("template") is not None
    assert soup.find("button").get_text(strip=True) == "Play video: Limits"
    assert "From Vimeo" in soup.get_text()
    soup.template.decompose()
    assert outside_fetches(str(soup)) == []  # the rest fetches nothing from anywhere
    assert BeautifulSoup(player_html("https://vimeo.com/76979871"), "html.parser").button.get_text(strip=True) == (
        "Play video"
    )


@pytest.mark.django_db
def test_wagtail_embeds_use_the_local_finder_without_network(settings):
    assert settings.WAGTAILEMBEDS_FINDERS == [{"class": "courses.embeds.LocalVideoFinder"}]
    embed = get_embed("https://vimeo.com/76979871")
    assert "player.vimeo.com/video/76979871" in embed.html and embed.provider_name == "Vimeo"
    assert LocalVideoFinder().accept("https://youtu.be/rfscVS0vtbw")


def test_video_block_refuses_other_sites():
    with pytest.raises(StructBlockValidationError):
        VideoBlock().clean({"url": "https://example.com/v.mp4", "title": ""})


def test_question_block_validation():
    block = QuestionBlock()

    def value(**kw):
        base = {
            "kind": "single",
            "prompt": "Q",
            "choices": [],
            "true_false_answer": False,
            "accepted_answers": "",
            "feedback": "",
        }
        return block.to_python({**base, **kw})

    with pytest.raises(StructBlockValidationError):
        block.clean(value(choices=[{"text": "a", "correct": False}, {"text": "b", "correct": False}]))
    with pytest.raises(StructBlockValidationError):
        block.clean(value(choices=[{"text": "a", "correct": True}, {"text": "b", "correct": True}]))
    with pytest.raises(StructBlockValidationError):
        block.clean(value(kind="short"))
    block.clean(value(choices=[{"text": "a", "correct": True}, {"text": "b", "correct": False}]))
