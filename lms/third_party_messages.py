"""Messages of installed packages that ship no Spanish, Hindi or Arabic catalog, shown to our
users (django-q2's task models in the staff portal). Marked here so `make messages` puts them
in our catalogs, which Django reads before the packages' own (LOCALE_PATHS comes first)."""

from django.utils.translation import gettext_noop

DJANGO_Q = [
    gettext_noop("Task"),
    gettext_noop("Tasks"),
    gettext_noop("Successful task"),
    gettext_noop("Successful tasks"),
    gettext_noop("Failed task"),
    gettext_noop("Failed tasks"),
    gettext_noop("Scheduled task"),
    gettext_noop("Scheduled tasks"),
    gettext_noop("Queued task"),
    gettext_noop("Queued tasks"),
]
