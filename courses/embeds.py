"""YouTube and Vimeo players built from the URL alone, with no network call, that load only
when the viewer presses Play.

Wagtail's default finders ask the provider's oEmbed API, which is unreachable here and
slow under load. The player iframe only needs the video id, which the URL carries, so
this finder (registered in WAGTAILEMBEDS_FINDERS) and the video block both build it
locally. Nothing here touches the database either.
"""

import re
from urllib.parse import parse_qs, urlparse

from django.template.loader import render_to_string
from wagtail.embeds.finders.base import EmbedFinder

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{1,12}$")
PROVIDERS = {"youtube": "YouTube", "vimeo": "Vimeo"}


def parse_video_url(url: str) -> tuple[str, str] | None:
    """("youtube" | "vimeo", video id) for a URL we can play, else None."""
    try:
        parsed = urlparse((url or "").strip())
    except ValueError:
        return None
    if parsed.scheme not in {"http", "https"}:
        return None
    host = (parsed.hostname or "").lower()
    parts = [p for p in parsed.path.split("/") if p]
    if host in _YOUTUBE_HOSTS:
        if parsed.path == "/watch":
            video_id = parse_qs(parsed.query).get("v", [""])[0]
        elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live", "v"}:
            video_id = parts[1]
        else:
            return None
        return ("youtube", video_id) if _YOUTUBE_ID.match(video_id) else None
    if host == "youtu.be" and parts:
        return ("youtube", parts[0]) if _YOUTUBE_ID.match(parts[0]) else None
    if host in _VIMEO_HOSTS and parts:
        video_id = parts[-1] if host == "player.vimeo.com" else parts[0]
        if host != "player.vimeo.com" and parts[0] in {"channels", "groups"} and len(parts) >= 3:
            video_id = parts[-1]
        return ("vimeo", video_id) if _VIMEO_ID.match(video_id) else None
    return None


def player_src(provider: str, video_id: str) -> str:
    if provider == "youtube":
        return f"https://www.youtube-nocookie.com/embed/{video_id}?rel=0"
    return f"https://player.vimeo.com/video/{video_id}?dnt=1"


def player_html(url: str, *, title: str = "") -> str:
    """The player for a YouTube/Vimeo URL, or "" if it is not one: a poster with a Play button
    that swaps in the provider's iframe when pressed (includes/video_player.html), so a page
    makes no request to YouTube or Vimeo until the viewer asks."""
    found = parse_video_url(url)
    if not found:
        return ""
    provider, _ = found
    return render_to_string(
        "includes/video_player.html",
        {"src": player_src(*found), "title": title, "provider": PROVIDERS[provider], "url": url},
    )


class LocalVideoFinder(EmbedFinder):
    """A Wagtail embed finder for YouTube and Vimeo that never leaves the machine."""

    def __init__(self, **options):
        self.options = options

    def accept(self, url):
        return parse_video_url(url) is not None

    def find_embed(self, url, max_width=None, max_height=None):
        provider, video_id = parse_video_url(url)
        return {
            "title": "",
            "author_name": "",
            "provider_name": PROVIDERS[provider],
            "type": "video",
            # Not shown: the poster would be a request to the provider before the viewer asks.
            "thumbnail_url": f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg" if provider == "youtube" else "",
            "width": 640,
            "height": 360,
            # The same click-to-load player as the video block's (rich text embeds too).
            "html": player_html(url),
        }
