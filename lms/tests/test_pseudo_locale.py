"""No English left unmarked: every page type, as every role, rendered in a pseudo-language
(lms/tests/pseudo_locale.py) in which every translatable string is visibly transformed.
Any text node or spoken attribute still holding a plain English word that is not user data
fails the test, so a string a future feature forgets to mark fails the build. Run with `-s`
to see the pages checked.

A failure names the page and the text. Mark the text for translation, run `make messages`,
translate the new entries in locale/*/LC_MESSAGES/*.po (test_translations.py checks they
are all translated)."""

import pytest
from django.test import Client

from lms.models import User
from lms.tests.pseudo_locale import PSEUDO, UserData, english_left, install, pseudo
from lms.tests.site_world import seed

# Pages every role may open besides the audit's list: the account pages, errors, HTMX fragments.
ACCOUNT_PAGES = ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]
VISITOR_PAGES = ["/accounts/password/reset/", "/no-such-page/"]
FRAGMENTS = [
    ("/courses/?q=graph", {"HX-Request": "true"}),
    ("/teachers/?when=weekday-evening&sort=price", {"HX-Request": "true", "HX-Target": "directory-results"}),
]


@pytest.fixture
def pseudo_language(tmp_path, settings):
    install(tmp_path)
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, pseudo("Pseudo-English"))]
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    return PSEUDO


def test_the_pseudo_language_transforms_every_letter_and_keeps_placeholders_and_tags():
    assert pseudo("Log in") == "Ĺóĝ íñ"
    assert pseudo('Hello %(name)s, see <a href="/x">this</a> {count}') == (
        'Ĥéĺĺó %(name)s, šéé <a href="/x">ţĥíš</a> {count}'
    )


def test_english_left_finds_unmarked_text_and_ignores_user_data(db):
    from lms.tests.factories import make_user

    make_user(display_name="Tess Teacher")
    data = UserData()
    html = (
        "<main><h1>Ţéšš'š ţíţĺé</h1><p>Tess Teacher</p><p>Forgotten string</p>"
        '<button aria-label="Close">×</button><script>var English = 1;</script>'
        '<p translate="no">Brand</p><p>Mon 7 Dec 2026, 14:30 Europe/London</p></main>'
    )
    assert english_left(html, data) == ["Forgotten string", "Close"]


@pytest.mark.django_db(transaction=True)
def test_every_page_as_every_role_is_translated(pseudo_language):
    world = seed()
    data = UserData()
    checked, failures = [], []
    for role, (email, paths) in world.pages.items():
        client = Client(HTTP_ACCEPT_LANGUAGE=pseudo_language)
        if email:
            client.force_login(User.objects.get(email=email))
        extra = ACCOUNT_PAGES if email else VISITOR_PAGES
        requests = [(path, {}) for path in dict.fromkeys([*paths, *extra])] + FRAGMENTS
        for path, headers in requests:
            response = client.get(path, headers=headers, follow=True)
            assert response.status_code in {200, 403, 404}, (role, path, response.status_code)
            html = response.content.decode()
            assert f'lang="{pseudo_language}"' in html or headers, (role, path, "not rendered in the pseudo-language")
            left = english_left(html, data)
            checked.append(f"{role:17} {path:50} {response.status_code} {len(left)} English text(s)")
            failures += [f"{role} {path}: {text!r}" for text in left]
    print(f"\nPseudo-locale {pseudo_language}: {len(checked)} pages checked")
    print("\n".join(checked))
    assert not failures, f"{len(failures)} texts left in English:\n" + "\n".join(failures)
