"""Background tasks of the tutor marketplace, run by the django-q2 worker.

`tutor_refresh` runs after a teacher's availability, bookings or classes change (queued by
live.services after commit): their free hours and figures. `tutors_refresh_all` does the same for every tutor nightly
(the `tutors.refresh_all` Schedule, tutors/apps.py).
"""

from tutors import services
from tutors.models import Tutor


def tutor_refresh(teacher_id: int) -> str:
    # Only a tutor the directory lists has free hours and figures worth rebuilding on every
    # booking; the nightly run still covers everyone.
    tutor = Tutor.objects.listed().select_related("user").filter(user_id=teacher_id).first()
    if tutor is None:
        return "not a listed tutor"
    hours = services.free_hours_refresh(tutor=tutor)
    services.tutor_stats_refresh(tutor=tutor)
    return f"{len(hours)} free hours; figures refreshed"


def tutors_refresh_all() -> str:
    """Nightly: days pass out of the free-hours window and old classes age out of the figures."""
    count = 0
    for tutor in Tutor.objects.select_related("user").iterator(chunk_size=200):
        services.free_hours_refresh(tutor=tutor)
        services.tutor_stats_refresh(tutor=tutor)
        count += 1
    return f"{count} tutors refreshed"
