"""A post's Markdown made into HTML that is safe to show: Python-Markdown renders, nh3 (the
Rust `ammonia` sanitiser) keeps only the tags below, so a post can format text, code and
links but never carry script, styles or images from elsewhere."""

import markdown as python_markdown
import nh3

TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> str:
    html = python_markdown.markdown(text, extensions=["fenced_code", "sane_lists", "nl2br"])
    return nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="nofollow noopener noreferrer ugc"
    )
