"""YouTube and Vimeo players built from the URL alone, with no network call.

Wagtail's default finders ask the provider's oEmbed API, which is unreachable here and
slow under load. The player iframe only needs the video id, which the URL carries, so
this finder (registered in WAGTAILEMBEDS_FINDERS) and the video block both build it
locally. Nothing here touches the database either.
"""

import re
from urllib.parse import parse_qs, urlparse

from django.utils.html import format_html
from wagtail.embeds.finders.base import EmbedFinder

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{1,12}$")


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


def player_html(url: str, *, title: str = "Video") -> str:
    """The responsive iframe for a YouTube/Vimeo URL, or "" if it is not one."""
    found = parse_video_url(url)
    if not found:
        return ""
    return format_html(
        '<iframe src="{}" title="{}" loading="lazy" class="absolute inset-0 h-full w-full" '
        'allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; fullscreen" '
        'referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe>',
        player_src(*found),
        title,
    )


class LocalVideoFinder(EmbedFinder):
    """A Wagtail embed finder for YouTube and Vimeo that never leaves the machine."""

    def __init__(self, **options):
        self.options = options

    def accept(self, url):
        return parse_video_url(url) is not None

    def find_embed(self, url, max_width=None, max_height=None):
        provider, video_id = parse_video_url(url)
        width, height = 640, 360
        return {
            "title": "",
            "author_name": "",
            "provider_name": "YouTube" if provider == "youtube" else "Vimeo",
            "type": "video",
            "thumbnail_url": f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg" if provider == "youtube" else "",
            "width": width,
            "height": height,
            "html": format_html(
                '<iframe src="{}" width="{}" height="{}" title="Video" loading="lazy" '
                'allow="encrypted-media; picture-in-picture; fullscreen" allowfullscreen></iframe>',
                player_src(provider, video_id),
                width,
                height,
            ),
        }
