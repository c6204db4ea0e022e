"""/teachers/: the tutor directory as a visitor uses it — filters and orders change the
names listed, "available when I am" is read in the viewer's zone, each card says why,
pages keep the filters, htmx gets only the results, bad values never break the page."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from live.tests.factories import availability_set
from lms.models import Role
from lms.tests.factories import make_user
from tutors.models import FreeHour, Level, SpokenLanguage, Subject, Tutor
from tutors.services import free_hours_refresh

pytestmark = pytest.mark.django_db
URL = "/teachers/"


def make_tutor(name, *, subjects=(), levels=(), languages=(), rate=3000, rating=None, verified=False, age_days=0, **kw):
    teacher = make_user(Role.TEACHER, display_name=name, **kw.pop("user", {}))
    average, count = rating or (Decimal(0), 0)
    tutor = Tutor.objects.create(
        user=teacher,
        rate_60=rate,
        rating_average=average,
        rating_count=count,
        verified_at=timezone.now() if verified else None,
        created_at=timezone.now() - timedelta(days=age_days),
        **kw,
    )
    tutor.subjects.set(subjects)
    tutor.levels.set(levels)
    tutor.languages.set(languages)
    return tutor


@pytest.fixture
def taxonomy(db):
    return {
        "maths": Subject.objects.create(name="Mathematics", slug="maths"),
        "physics": Subject.objects.create(name="Physics", slug="physics"),
        "beginner": Level.objects.create(name="Beginner", slug="beginner", position=1),
        "advanced": Level.objects.create(name="Advanced", slug="advanced", position=2),
        "en": SpokenLanguage.objects.create(code="en", name="English"),
        "es": SpokenLanguage.objects.create(code="es", name="Spanish"),
    }


@pytest.fixture
def tutors(taxonomy):
    t = taxonomy
    return {
        "ada": make_tutor(
            "Ada Lovelace",
            subjects=[t["maths"]],
            levels=[t["beginner"]],
            languages=[t["en"]],
            rate=3000,
            rating=(Decimal("4.9"), 120),
            verified=True,
            age_days=30,
        ),
        "bob": make_tutor(
            "Bob Boyle",
            subjects=[t["physics"]],
            levels=[t["advanced"]],
            languages=[t["es"]],
            rate=5000,
            rating=(Decimal("4.2"), 10),
            age_days=20,
        ),
        "cy": make_tutor(
            "Cy Cantor",
            subjects=[t["maths"]],
            levels=[t["advanced"]],
            languages=[t["en"], t["es"]],
            rate=2000,
            trial_price=500,
            age_days=1,
        ),
    }


def results(response):
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.find(id="directory-results")


def names(client, query=None, **headers):
    return [a.get_text(strip=True) for a in results(client.get(URL, query or {}, headers=headers)).select("h2 a")]


def test_recommended_by_default_ranks_many_good_reviews_first(client, tutors):
    assert names(client) == ["Ada Lovelace", "Bob Boyle", "Cy Cantor"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"subject": "maths"}, ["Ada Lovelace", "Cy Cantor"]),
        ({"level": "advanced"}, ["Bob Boyle", "Cy Cantor"]),
        ({"language": "es"}, ["Bob Boyle", "Cy Cantor"]),
        ({"price_min": "25", "price_max": "40"}, ["Ada Lovelace"]),
        ({"price_max": "30"}, ["Ada Lovelace", "Cy Cantor"]),
        ({"rating": "4"}, ["Ada Lovelace", "Bob Boyle"]),
        ({"rating": "4.5"}, ["Ada Lovelace"]),
        ({"verified": "on"}, ["Ada Lovelace"]),
        ({"subject": "maths", "level": "advanced"}, ["Cy Cantor"]),
        ({"sort": "price"}, ["Cy Cantor", "Ada Lovelace", "Bob Boyle"]),
        ({"sort": "rating"}, ["Ada Lovelace", "Bob Boyle", "Cy Cantor"]),
        ({"sort": "newest"}, ["Cy Cantor", "Bob Boyle", "Ada Lovelace"]),
        ({"subject": "maths", "sort": "price"}, ["Cy Cantor", "Ada Lovelace"]),
    ],
)
def test_each_filter_and_order_changes_the_tutors_listed(client, tutors, query, expected):
    assert names(client, query) == expected


def test_a_price_in_another_currency_leaves_out_tutors_charging_in_pounds(client, tutors, taxonomy):
    make_tutor("Eve Euro", rate=2500, currency="EUR")
    assert names(client, {"price_max": "30", "currency": "EUR"}) == ["Eve Euro"]
    assert "Eve Euro" not in names(client, {"price_max": "30"})


def test_unlisted_or_priceless_tutors_and_former_teachers_are_not_shown(client, tutors):
    make_tutor("Hidden Hal", is_listed=False)
    make_tutor("Free Fay", rate=None)
    assert names(client) == ["Ada Lovelace", "Bob Boyle", "Cy Cantor"]


def test_cards_show_rating_with_its_count_or_new_price_badge_subjects_languages_and_reasons(client, tutors):
    section = results(client.get(URL, {"subject": "maths"}))
    ada, cy = section.select("li.card")
    text = " ".join(ada.get_text(" ", strip=True).split())
    assert "4.9 · 120 reviews" in text and "Verified" in text and "£30 per 60 minutes" in text
    assert "Mathematics" in text and "English" in text
    assert "Teaches your subject" in text and "4.9 from 120 reviews" in text
    text = " ".join(cy.get_text(" ", strip=True).split())
    assert "New" in text and "Verified" not in text and "£20 per 60 minutes · trial £5" in text
    assert "Spanish" in text
    assert "2 tutors" in section.get_text()


@pytest.fixture
def london_evening_tutor(taxonomy):
    """Free on Mondays 18:00–20:00 in London (from their availability, through the refresh)."""
    tutor = make_tutor("Liz London", subjects=[taxonomy["maths"]], user={"time_zone": "Europe/London"})
    availability_set(tutor.user, hours=[(0, "18:00", "20:00")], class_minutes=60)
    free_hours_refresh(tutor=tutor)
    return tutor


def test_available_when_i_am_is_read_in_the_viewers_time_zone(client, london_evening_tutor, tutors):
    new_yorker = make_user(Role.STUDENT, time_zone="America/New_York")
    client.force_login(new_yorker)
    # 18:00–20:00 in London is 13:00–15:00 in New York (12:00–14:00 in the weeks their clocks differ by 4 h).
    assert names(client, {"when": "weekday-afternoon"}) == ["Liz London"]
    assert names(client, {"when": "weekday-evening"}) == []
    londoner = make_user(Role.STUDENT, time_zone="Europe/London")
    client.force_login(londoner)
    assert names(client, {"when": "weekday-evening"}) == ["Liz London"]
    assert names(client, {"when": "weekday-afternoon"}) == []
    card = results(client.get(URL, {"when": ["weekday-evening", "weekend-morning"]})).select_one("li.card")
    assert "Free on your weekday evenings" in card.get_text()


def test_pages_keep_the_filters(client, taxonomy):
    for n in range(25):
        make_tutor(f"Maths Tutor {n:02}", subjects=[taxonomy["maths"]], rating=(Decimal("4.5"), 50 - n))
    make_tutor("Physics Pat", subjects=[taxonomy["physics"]])
    section = results(client.get(URL, {"subject": "maths"}))
    assert "25 tutors" in section.get_text() and len(section.select("li.card")) == 20
    next_link = section.find("a", string="Next")
    query = parse_qs(urlparse(next_link["href"]).query)
    assert query == {"subject": ["maths"], "page": ["2"]}
    assert next_link["hx-get"] == next_link["href"]
    page_two = names(client, query)
    assert page_two == [f"Maths Tutor {n:02}" for n in range(20, 25)]
    assert names(client, {**query, "page": "99"}) == page_two  # past the end: the last page


def test_htmx_gets_only_the_results_and_a_plain_request_the_whole_page(client, tutors):
    partial = client.get(URL, {"subject": "maths"}, headers={"HX-Request": "true", "HX-Target": "directory-results"})
    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="directory-results"') and "<html" not in html
    assert "Ada Lovelace" in html and "Bob Boyle" not in html
    full = client.get(URL, {"subject": "maths"}).content.decode()
    assert "<html" in full and 'hx-push-url="true"' in full and 'hx-trigger="change, submit"' in full
    soup = BeautifulSoup(full, "html.parser")
    assert soup.find("select", id="directory-subject").find("option", selected=True)["value"] == "maths"
    assert soup.find("button", string="Show tutors")  # the form works without JavaScript


@pytest.mark.parametrize(
    "query",
    [
        {"price_min": "abc"},
        {"price_max": "-5"},
        {"price_min": "50", "price_max": "10"},
        {"subject": "no-such-subject"},
        {"level": "x" * 500},
        {"rating": "five"},
        {"sort": "cheapest"},
        {"when": "midnight"},
        {"page": "abc"},
        {"currency": "<script>"},
    ],
)
def test_bad_values_are_shown_as_errors_and_the_other_filters_still_apply(client, tutors, query):
    response = client.get(URL, {**query, "language": "es"})
    assert names(client, {**query, "language": "es"}) == ["Bob Boyle", "Cy Cantor"]
    html = response.content.decode()
    if set(query) != {"page"}:
        assert "Some filters were left out:" in html


@pytest.mark.parametrize("role", ["anonymous", "student", "teacher", "other teacher", "staff"])
def test_the_directory_is_public(client, tutors, role):
    if role != "anonymous":
        user_role = {"student": Role.STUDENT, "staff": Role.STAFF}.get(role, Role.TEACHER)
        user = tutors["ada"].user if role == "teacher" else make_user(user_role)
        client.force_login(user)
    assert names(client) == ["Ada Lovelace", "Bob Boyle", "Cy Cantor"]


@pytest.mark.parametrize("count", [10, 100])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"subject": "maths", "language": "en", "when": ["weekday-evening", "weekend-morning"], "price_max": "60"},
        {"sort": "price", "level": "beginner", "rating": "4", "verified": "on"},
        {"sort": "newest", "when": "weekday-morning", "page": "2"},
    ],
)
def test_queries_per_page_stay_constant_as_tutors_grow(client, taxonomy, django_assert_max_num_queries, count, query):
    t = taxonomy
    for n in range(count):
        tutor = make_tutor(
            f"Tutor {n}",
            subjects=[t["maths"], t["physics"]],
            levels=[t["beginner"]],
            languages=[t["en"]],
            rating=(Decimal("4.5"), n),
            verified=n % 2 == 0,
        )
        FreeHour.objects.bulk_create(FreeHour(tutor=tutor, hour=hour) for hour in range(n % 7, 168, 7))
    client.force_login(make_user(Role.STUDENT, time_zone="Asia/Kolkata"))
    # Session and user 2, the site's header 3, taxonomy and currencies 4, search up to 5, page 3.
    with django_assert_max_num_queries(16):
        section = results(client.get(URL, query))
    assert section.select("li.card")
