import pytest

from chat.moderation import MASK, find_contact_details, mask


def kinds(text, **kwargs):
    return [f.kind for f in find_contact_details(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on +44 20 7946 0958 tonight", ["phone"]),
        ("my number is (555) 123-4567", ["phone"]),
        ("07700900123", ["phone"]),
        ("write to sam.student+x@gmail.com", ["email"]),
        ("see https://example.com/lesson", ["link"]),
        ("or www.tutor-elsewhere.net", ["link"]),
        ("bare domain tutoring.io/book works too", ["link"]),
        ("class is on 2026-11-23 at 10:30, chapter 12.5", []),
        ("page 120 and 450 of the book", []),
        ("see http://testserver/courses/algebra/", []),
        ("see http://127.0.0.1:8000/courses/", []),
    ],
)
def test_detects_contact_details(text, expected):
    assert kinds(text) == expected


def test_staff_allowed_domains_are_not_outside_links():
    assert kinds("https://docs.python.org/3/", allowed_domains="python.org\n") == []
    assert kinds("https://docs.python.org/3/") == ["link"]


def test_mask_replaces_every_finding():
    text = "mail a@b.co or call 020 7946 0958, site www.x.com"
    masked = mask(text, find_contact_details(text))
    assert masked == f"mail {MASK} or call {MASK}, site {MASK}"
