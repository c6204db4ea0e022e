"""Finding contact details in a message: phone numbers, email addresses, outside links.

Tutoring stays on the platform, so staff choose (ChatSettings) whether such a message is
masked or held for review. Pure functions; the service decides what to do with the result.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MASK = "[removed]"

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# Nine to fifteen digits with the usual separators: +44 20 7946 0958, (555) 123-4567.
# Dates and times (2026-11-23, 10:30) have fewer digits and are left alone.
PHONE_RE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]{0,2}\d){8,14}(?![\w])")
LINK_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|me|co|uk|de|fr|info|biz|app|dev|ly|gg|link|to|xyz|ru|cn)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    kind: str  # "email", "phone" or "link"
    start: int
    end: int


def _site_domains(extra: str = "") -> set[str]:
    domains = {urlsplit(settings.SITE_URL).hostname or ""}
    domains |= {h.lstrip(".").lower() for h in settings.ALLOWED_HOSTS if h not in {"*"}}
    domains |= {line.strip().lower() for line in extra.splitlines() if line.strip()}
    return {d for d in domains if d}


def _link_host(text: str) -> str:
    if not text.lower().startswith(("http://", "https://")):
        text = "http://" + text
    try:
        return (urlsplit(text).hostname or "").lower()
    except ValueError:
        return ""


def _is_own(host: str, domains: set[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def find_contact_details(text: str, *, allowed_domains: str = "") -> list[Finding]:
    """Every phone number, email address and outside link in `text`, without overlaps."""
    domains = _site_domains(allowed_domains)
    found: list[Finding] = [Finding("email", m.start(), m.end()) for m in EMAIL_RE.finditer(text)]

    def overlaps(start, end):
        return any(start < f.end and f.start < end for f in found)

    for match in LINK_RE.finditer(text):
        if not overlaps(match.start(), match.end()) and not _is_own(_link_host(match.group()), domains):
            found.append(Finding("link", match.start(), match.end()))
    for match in PHONE_RE.finditer(text):
        if not overlaps(match.start(), match.end()):
            found.append(Finding("phone", match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def mask(text: str, findings: list[Finding]) -> str:
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + MASK + text[finding.end :]
    return text
