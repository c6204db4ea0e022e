# ruff: noqa: E501  (the demo tutors are a table, one row a line)
"""Demo data for the tutor marketplace: the taxonomy (subjects, levels, languages) and twenty
tutors across subjects, languages and time zones, with weekly hours, prices, some trial
lessons and packages, some verified — all made through the services. Idempotent: a tutor
already priced is left as it is. Reviews and open requests are other apps' demo data."""

from datetime import time

from django.utils.text import slugify

from live import services as live_services
from live.models import WeeklyHours
from lms.models import Role, User
from lms.services import teacher_profile_ensure, user_set_role
from tutors import services
from tutors.models import Level, SpokenLanguage, Subject, Tutor

SUBJECTS = [
    "Mathematics",
    "Physics",
    "Chemistry",
    "Biology",
    "English",
    "Spanish",
    "French",
    "German",
    "Computer Science",
    "History",
    "Economics",
    "Music",
]
LEVELS = ["Beginner", "Primary school", "Secondary school", "A-level / IB", "University"]
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("hi", "Hindi"),
    ("ar", "Arabic"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
]

# email name, display name, time zone, subjects, levels, languages, currency, price of an hour
# (major units), trial price or None, packages [(lessons, discount %)], verified, weekly hours
# (weekdays, start hour, end hour) in the tutor's own zone.
TUTORS = [
    ("adaeze", "Adaeze Okafor", "Africa/Lagos", ["Mathematics", "Physics"], [2, 3], ["en"], "GBP", 30, 10, [(5, 5), (10, 10)], True, (range(5), 16, 20)),
    ("lucia", "Lucía Fernández", "Europe/Madrid", ["Spanish"], [0, 1, 2, 3], ["es", "en"], "EUR", 25, 8, [(10, 15)], True, (range(6), 9, 13)),
    ("rahul", "Rahul Mehta", "Asia/Kolkata", ["Computer Science", "Mathematics"], [2, 3, 4], ["en", "hi"], "INR", 1500, 500, [(5, 10)], True, (range(5), 18, 22)),
    ("sophie", "Sophie Martin", "Europe/Paris", ["French"], [0, 1, 2], ["fr", "en"], "EUR", 28, None, [(5, 5)], False, (range(1, 6), 8, 12)),
    ("jonas", "Jonas Becker", "Europe/Berlin", ["German", "Music"], [0, 1, 2], ["de", "en"], "EUR", 32, 12, [], True, (range(5), 14, 18)),
    ("maria", "Maria Silva", "America/Sao_Paulo", ["Biology", "Chemistry"], [2, 3], ["pt", "es", "en"], "USD", 22, None, [(10, 10)], False, (range(5), 19, 22)),
    ("wei", "Wei Zhang", "Asia/Shanghai", ["Mathematics", "Economics"], [3, 4], ["zh", "en"], "USD", 40, 15, [(5, 5), (10, 12)], True, (range(5, 7), 9, 17)),
    ("fatima", "Fatima Al-Sayed", "Asia/Dubai", ["English", "History"], [1, 2, 3], ["ar", "en"], "AED", 120, 40, [], True, (range(6), 17, 21)),
    ("james", "James O'Connor", "Europe/Dublin", ["History", "English"], [2, 3, 4], ["en"], "EUR", 35, None, [(5, 8)], False, (range(5), 10, 15)),
    ("priya", "Priya Nair", "Asia/Kolkata", ["Biology", "Chemistry", "Physics"], [2, 3], ["en", "hi"], "INR", 1200, None, [(10, 15)], False, (range(5), 6, 9)),
    ("carlos", "Carlos Ramírez", "America/Mexico_City", ["Spanish", "History"], [0, 1, 2], ["es", "en"], "USD", 18, 5, [(5, 10)], True, (range(5), 15, 20)),
    ("emily", "Emily Chen", "America/Los_Angeles", ["Computer Science"], [3, 4], ["en", "zh"], "USD", 60, 20, [(5, 10), (10, 15)], True, (range(5), 17, 21)),
    ("david", "David Cohen", "America/New_York", ["Economics", "Mathematics"], [3, 4], ["en"], "USD", 55, None, [], False, (range(5), 18, 21)),
    ("chloe", "Chloé Dubois", "America/Toronto", ["French", "English"], [0, 1, 2], ["fr", "en"], "CAD", 38, 15, [(5, 5)], False, (range(6), 9, 12)),
    ("kenji", "Kenji Watanabe", "Asia/Tokyo", ["Music"], [0, 1, 2, 3], ["en"], "USD", 45, None, [(10, 20)], True, (range(5, 7), 10, 18)),
    ("olivia", "Olivia Brown", "Australia/Sydney", ["English", "Biology"], [1, 2], ["en"], "AUD", 50, 15, [(5, 10)], False, (range(5), 16, 19)),
    ("youssef", "Youssef Haddad", "Africa/Cairo", ["Physics", "Mathematics"], [2, 3, 4], ["ar", "fr", "en"], "USD", 20, 6, [(10, 12)], True, (range(6), 18, 23)),
    ("ana", "Ana Costa", "Europe/Lisbon", ["Chemistry"], [3, 4], ["pt", "en", "es"], "EUR", 30, None, [], False, (range(5), 9, 17)),
    ("thomas", "Thomas Müller", "Europe/Zurich", ["German", "Economics"], [2, 3, 4], ["de", "fr", "en"], "EUR", 45, 20, [(5, 5), (10, 10)], False, (range(5), 12, 16)),
    ("grace", "Grace Mensah", "Europe/London", ["Mathematics", "Computer Science"], [1, 2, 3], ["en"], "GBP", 35, 12, [(5, 8), (10, 12)], True, (range(5), 17, 21)),
]  # fmt: skip

HEADLINES = {
    "Mathematics": "Patient maths tutor: from fractions to calculus",
    "Spanish": "Speak Spanish with confidence from the first lesson",
    "Computer Science": "Programming and algorithms, explained step by step",
    "French": "French conversation and grammar for every level",
    "German": "German made clear: grammar, conversation, exams",
    "Biology": "Biology and chemistry for curious minds",
    "English": "English for school, exams and everyday life",
    "History": "History that tells a story",
    "Economics": "Economics and statistics for exams and beyond",
    "Music": "Piano and music theory for all ages",
    "Physics": "Physics with real-world intuition",
    "Chemistry": "Chemistry without the fear",
}


def taxonomy_ensure() -> None:
    for name in SUBJECTS:
        Subject.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    for position, name in enumerate(LEVELS):
        Level.objects.get_or_create(slug=slugify(name), defaults={"name": name, "position": position})
    for code, name in LANGUAGES:
        SpokenLanguage.objects.get_or_create(code=code, defaults={"name": name})


def _tutor(admin: User, row) -> bool:
    """Make one demo tutor; False if they were already there."""
    from lms.management.commands.load_demo_data import demo_user

    key, name, zone, subjects, levels, languages, currency, hour, trial, packages, verified, hours = row
    user, _ = demo_user(f"{key}@tutors.lyceum.test", name, zone)
    if user.role != Role.TEACHER:
        user = user_set_role(actor=admin, user=user, role=Role.TEACHER)
    profile = teacher_profile_ensure(user=user)
    tutor = services.tutor_ensure(user=user)
    if tutor.rate_60 is not None:
        return False
    if not profile.bio:
        profile.headline = HEADLINES.get(subjects[0], "")
        profile.bio = (
            f"I teach {', '.join(subjects)} online to students around the world. Lessons are built "
            "around your goals, with notes and practice after each one."
        )
        profile.subjects = subjects
        profile.save()

    weekdays, start, end = hours
    live_services.availability_update(
        teacher=user, accepting=True, class_minutes=60, buffer_minutes=10, min_notice_hours=12, max_days_ahead=28
    )
    if not WeeklyHours.objects.filter(teacher=user).exists():
        for weekday in weekdays:
            live_services.weekly_hours_add(teacher=user, weekday=weekday, start_time=time(start), end_time=time(end))

    rate_60 = hour * 100  # minor units
    services.tutor_update(
        actor=user,
        tutor=tutor,
        subjects=Subject.objects.filter(name__in=subjects),
        levels=Level.objects.filter(position__in=levels),
        languages=SpokenLanguage.objects.filter(code__in=languages),
        currency=currency,
        rate_30=rate_60 * 55 // 100 // 100 * 100,  # whole units
        rate_45=rate_60 * 80 // 100 // 100 * 100,
        rate_60=rate_60,
        trial_price=trial * 100 if trial else None,
        trial_minutes=30,
        education=f"Degree in {subjects[0]}; teaching certificate.",
        experience=f"{len(name) % 9 + 3} years of one-to-one and small-group teaching.",
        is_listed=True,
    )
    for lessons, discount in packages:
        services.package_add(actor=user, tutor=tutor, lessons=lessons, minutes=60, discount_percent=discount)
    if verified:
        services.verification_grant(actor=admin, tutor=tutor, note="Demo: credentials checked.")
    services.free_hours_refresh(tutor=tutor)  # "available when I am" finds them without a worker
    return True


def load(*, stdout) -> None:
    admin = User.objects.filter(email="admin@lyceum.test").first()
    if admin is None:
        stdout.write("tutors: the demo admin is missing; skipped.")
        return
    taxonomy_ensure()
    made = sum(_tutor(admin, row) for row in TUTORS)
    total = Tutor.objects.filter(user__email__endswith="@tutors.lyceum.test").count()
    stdout.write(
        f"tutors: {len(SUBJECTS)} subjects, {len(LEVELS)} levels, {len(LANGUAGES)} languages; "
        f"{made} new tutors ({total} in all)."
    )
