"""Template source mistakes a user would see as stray text on the page."""

import re
from pathlib import Path

from django.conf import settings

# Django's `{# … #}` ends at the end of its line: one left open is printed on the page.
UNCLOSED_COMMENT = re.compile(r"\{#(?:(?!#\}).)*$", re.MULTILINE)


def test_no_template_has_a_one_line_comment_left_open():
    roots = [Path(settings.BASE_DIR) / "templates"] + [
        path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts
    ]
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{source[: match.start()].count(chr(10)) + 1}"
        for root in roots
        for path in root.rglob("*.html")
        for source in [path.read_text()]
        for match in UNCLOSED_COMMENT.finditer(source)
    ]
    assert not offenders, f"{{# … #}} spans lines (use {{% comment %}}): {offenders}"


def test_pages_print_no_template_syntax(client, db):
    for url in ["/", "/courses/", "/accounts/login/"]:
        body = client.get(url).content.decode()
        assert "{#" not in body and "{%" not in body, url
