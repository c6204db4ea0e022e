"""Which language a page, an email or a notification is in: the user's profile, then the
language menu's cookie, then the browser's Accept-Language; notifications in the recipient's."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from lms import services
from lms.models import Notification

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def translated(language: str, message: str) -> str:
    with translation.override(language):
        text = gettext(message)
    assert text != message, f"{message!r} has no {language} translation"
    return text


def page_language(response) -> tuple[str, str]:
    html = response.content.decode()
    start = html.index("<html")
    tag = html[start : html.index(">", start)]
    lang = tag.split('lang="')[1].split('"')[0]
    direction = tag.split('dir="')[1].split('"')[0]
    return lang, direction


@pytest.mark.parametrize("role", ["anonymous", "student", "teacher", "other_teacher", "staff"])
def test_every_role_may_use_the_language_menu_and_the_script_catalog(client, role, request):
    if role != "anonymous":
        client.force_login(request.getfixturevalue({"staff": "staff_user"}.get(role, role)))
    response = client.get("/language/", {"language": "es", "next": "/courses/"})
    assert response.status_code == 302 and response["Location"] == "/courses/"
    assert response.cookies[COOKIE].value == "es"
    catalog = client.get("/jsi18n/?v=es")
    assert catalog.status_code == 200 and catalog["Content-Type"].startswith("text/javascript")


def test_the_browser_language_is_used_when_nothing_else_is_chosen(client):
    response = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert page_language(response) == ("es", "ltr")
    assert translated("es", "Log in") in response.content.decode()
    assert response["Content-Language"] == "es"


def test_the_menu_cookie_beats_the_browser_and_arabic_is_right_to_left(client):
    client.cookies[COOKIE] = "ar"
    response = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="es")
    assert page_language(response) == ("ar", "rtl")
    assert translated("ar", "Log in") in response.content.decode()


def test_the_profile_language_beats_the_cookie_and_the_browser(client, student):
    student.language = "hi"
    student.save()
    client.force_login(student)
    client.cookies[COOKIE] = "es"
    response = client.get("/dashboard/student/", HTTP_ACCEPT_LANGUAGE="ar")
    assert page_language(response) == ("hi", "ltr")
    assert translated("hi", "Dashboard") in response.content.decode()


def test_visitors_pages_are_cached_per_language(client):
    english = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="en")
    spanish = Client().get("/courses/", HTTP_ACCEPT_LANGUAGE="es")
    assert page_language(english)[0] == "en-gb" and page_language(spanish)[0] == "es"
    assert translated("es", "Log in") in spanish.content.decode()
    assert translated("es", "Log in") not in english.content.decode()


def test_a_visitor_switches_language_with_a_link_that_only_sets_the_cookie(client):
    response = client.get("/language/", {"language": "ar", "next": "/teachers/"})
    assert response.status_code == 302 and response["Location"] == "/teachers/"
    assert client.get("/teachers/").content.decode().count('dir="rtl"') == 1


def test_a_signed_in_user_s_choice_is_kept_in_their_profile(client, student):
    client.force_login(student)
    response = client.post("/language/", {"language": "es", "next": "/profile/"})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    student.refresh_from_db()
    assert student.language == "es"
    # Another browser, with no cookie, gets the profile's language.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(student)
    assert page_language(other.get("/profile/"))[0] == "es"


def test_the_language_menu_refuses_an_unknown_language_or_a_foreign_next(client, student):
    client.force_login(student)
    response = client.post("/language/", {"language": "xx", "next": "/profile/"}, follow=True)
    assert "That is not a language the site is available in." in response.content.decode()
    student.refresh_from_db()
    assert student.language != "xx"
    response = client.get("/language/", {"language": "es", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_signed_in_language_menu_needs_the_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    before = student.language
    assert client.post("/language/", {"language": "es"}).status_code == 403
    student.refresh_from_db()
    assert student.language == before != "es"


def test_a_notification_is_written_in_the_recipient_s_language(student, teacher):
    teacher.language = "es"
    teacher.save()
    with translation.override("hi"):  # the student who caused it reads Hindi
        services.notify(user=teacher, kind="live", title=gettext_lazy("Dashboard"))
    assert Notification.objects.get(user=teacher).title == translated("es", "Dashboard")


def test_the_profile_form_offers_the_languages_each_in_itself(client, student):
    client.force_login(student)
    html = client.get("/profile/").content.decode()
    for _code, name in settings.LANGUAGES:
        assert name in html
    response = client.post(
        "/profile/",
        {"profile-display_name": "Sam", "profile-time_zone": "Asia/Kolkata", "profile-language": "hi"},
        follow=True,
    )
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.language == "hi"
    assert page_language(response)[0] == "hi"


def test_someone_who_never_chose_keeps_the_language_they_signed_in_with(client, student):
    from lms.tests.factories import PASSWORD

    response = client.post(
        "/accounts/login/", {"login": student.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.language == "ar"  # their emails and notifications are in Arabic from now on
    student.language = "es"
    student.save()
    Client(HTTP_ACCEPT_LANGUAGE="hi").post("/accounts/login/", {"login": student.email, "password": PASSWORD})
    student.refresh_from_db()
    assert student.language == "es"  # a choice is never overwritten
