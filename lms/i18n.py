"""Which language a message is written in.

Pages follow the viewer (lms.infra.middleware.UserLanguageMiddleware). Everything written
*for someone else* — an email, an in-app notification, a calendar invitation, a PDF — is
written in the recipient's language, whoever triggered it:

    with recipient_language(teacher):
        subject = gettext("New booking request")
"""

from django.conf import settings
from django.utils import translation


def language_of(user) -> str:
    """The language `user` reads: their profile's choice, else the site's default."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def recipient_language(user):
    """A context manager: the enclosed code translates and formats for `user`."""
    return translation.override(language_of(user))


def content_locales_ensure(sender=None, **kwargs) -> None:
    """A Wagtail locale for every content language, so any course can be translated into it.
    A post_migrate receiver: acts on Wagtail's own signal, when its tables exist."""
    from wagtail.models import Locale

    if sender is not None and sender.label != "wagtailcore":
        return
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
