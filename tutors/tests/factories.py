"""Helpers that build marketplace state the way users would: through the services."""

import io

from PIL import Image

from tutors import services
from tutors.models import Level, SpokenLanguage, Subject


def taxonomy():
    maths, _ = Subject.objects.get_or_create(slug="mathematics", defaults={"name": "Mathematics"})
    physics, _ = Subject.objects.get_or_create(slug="physics", defaults={"name": "Physics"})
    beginner, _ = Level.objects.get_or_create(slug="beginner", defaults={"name": "Beginner", "position": 0})
    english, _ = SpokenLanguage.objects.get_or_create(code="en", defaults={"name": "English"})
    spanish, _ = SpokenLanguage.objects.get_or_create(code="es", defaults={"name": "Spanish"})
    return {"maths": maths, "physics": physics, "beginner": beginner, "english": english, "spanish": spanish}


def offer(teacher, **changes):
    """A priced, listed tutor: £20 / £28 / £35, a £10 trial of 30 minutes."""
    found = taxonomy()
    values = {
        "subjects": [found["maths"]],
        "levels": [found["beginner"]],
        "languages": [found["english"], found["spanish"]],
        "currency": "GBP",
        "rate_30": 2000,
        "rate_45": 2800,
        "rate_60": 3500,
        "trial_price": 1000,
        "trial_minutes": 30,
        "intro_video_url": "",
        "education": "MSc Mathematics",
        "experience": "Ten years of tutoring",
        "is_listed": True,
    }
    values.update(changes)
    tutor = services.tutor_ensure(user=teacher)
    return services.tutor_update(actor=teacher, tutor=tutor, **values)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.write(buffer)
    return buffer.getvalue()
