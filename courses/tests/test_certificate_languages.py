"""The certificate PDF in its holder's language — English, Spanish, Hindi, Arabic — whoever
downloads it, with the fonts of every script embedded."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from courses import services
from courses.certificates import certificate_attachment, certificate_pdf
from courses.models import Certificate
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from lms.fonts.tests.pdfs import embedded_fonts, has_script, pdf_text, plain
from lms.formats import when
from lms.models import Role
from lms.tests.factories import make_user

VERIFY_URL = "https://lyceum.example/certificates/ABC/"


def _certificate(teacher, *, language: str) -> Certificate:
    student = make_user(Role.STUDENT, display_name="Sam Student", language=language)
    course = make_course(teacher, title="Graph Theory")
    services.course_enroll(student=student, course=course)
    *plain_lessons, quiz_lesson = lessons_of(course)
    for lesson in plain_lessons:
        services.lesson_complete(student=student, lesson=lesson)
    services.quiz_submit(student=student, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
    return Certificate.objects.get(student=student)


# The font each language is written in, embedded as a subset (the others only where needed).
FONT = {"en-gb": "NotoSans", "es": "NotoSans", "hi": "NotoSans", "ar": "NotoSansArabic"}


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return plain(gettext(message))


@pytest.mark.parametrize("language", ["en-gb", "es", "hi", "ar"])
def test_certificate_in_the_holders_language(teacher, language):
    certificate = _certificate(teacher, language=language)
    pdf = certificate_pdf(certificate, verify_url=VERIFY_URL)
    text = pdf_text(pdf)
    issued = plain(when(certificate.issued_at, "long_date", language=language))
    assert {FONT[language], FONT[language] + "Bold"} <= embedded_fonts(pdf)  # regular and bold
    assert "Sam Student" in text and "Graph Theory" in text and "Tess Teacher" in text
    assert certificate.code in text and VERIFY_URL in text
    if language == "hi":
        assert has_script(text, "DEVANAGARI") and certificate.issued_at.strftime("%Y") in text
    elif language == "ar":
        # Shaped Arabic comes out of a reader in visual order and in part as glyph codes:
        # what is sure is the Arabic font (above) and Arabic letters in the text.
        assert has_script(text, "ARABIC") and certificate.issued_at.strftime("%Y") in text
    else:
        assert _in(language, "Certificate of completion") in text
        assert _in(language, "has completed the course") in text
        assert issued in text


def test_emailed_certificate_is_in_the_holders_language(teacher):
    certificate = _certificate(teacher, language="es")
    with translation.override("en-gb"):  # the worker's language
        _, pdf, _ = certificate_attachment(certificate.pk)
    assert plain(when(certificate.issued_at, "long_date", language="es")) in pdf_text(pdf)


@pytest.mark.parametrize(("holder", "staff"), [("en-gb", "es"), ("es", "en-gb")])
def test_staff_download_is_in_the_holders_language_not_theirs(client, teacher, holder, staff):
    certificate = _certificate(teacher, language=holder)
    client.force_login(make_user(Role.STAFF, language=staff))
    response = client.get(reverse("courses:certificate_download", args=[certificate.code]), HTTP_ACCEPT_LANGUAGE=staff)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert plain(when(certificate.issued_at, "long_date", language=holder)) in text
    assert plain(when(certificate.issued_at, "long_date", language=staff)) not in text
    assert _in(holder, "Certificate of completion") in text
