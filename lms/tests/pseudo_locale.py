"""A pseudo-language for finding English that nobody marked for translation.

`install(directory)` writes catalogs for the language `en-xa` in which every message the site
can translate — ours (locale/es/LC_MESSAGES/*.po lists every msgid `make messages` found)
and those of Django, allauth, Wagtail and every other installed app — is rewritten with
accented look-alikes of its letters ("Log in" → "Ĺóĝ íñ"). A page rendered in `en-xa` then
shows no plain ASCII word except user data (names, titles, messages: `UserData`) and locale
data the formatters write (month and day names, zones). `english_left(html, data)` lists the
rest: strings someone forgot to mark.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.db import models

PSEUDO = "en-xa"
DOMAINS = ("django", "djangojs")

_LOOK_ALIKE = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķĺɱñóþǫŕšţúṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶĹМÑÓÞǪŔŠŢÚṼŴẊÝŽ",
)
# What a translation must keep as it is: placeholders, HTML tags and entities.
_KEEP = re.compile(r"%\(\w+\)[sdif]|%[sdif%]|\{[\w.]*\}|<[^>]*>|&[#\w]+;")


def pseudo(text: str) -> str:
    parts, end = [], 0
    for match in _KEEP.finditer(text):
        parts += [text[end : match.start()].translate(_LOOK_ALIKE), match.group()]
        end = match.end()
    return "".join([*parts, text[end:].translate(_LOOK_ALIKE)])


def _messages(domain: str):
    """Every msgid the site may ask for in `domain`: ours, then every installed app's."""
    ours = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"
    if ours.exists():
        with ours.open("rb") as po:
            yield from read_po(po)
    roots = [Path(__import__("django").__file__).parent / "conf"]
    roots += [Path(config.path) for config in apps.get_app_configs()]
    for root in roots:
        mo = root / "locale" / "es" / "LC_MESSAGES" / f"{domain}.mo"
        if mo.exists():
            with mo.open("rb") as file:
                yield from read_mo(file)


def install(directory: Path) -> Path:
    """Write `en-xa`'s catalogs under `directory` (to put first in LOCALE_PATHS)."""
    for domain in DOMAINS:
        # Arabic's plural rule (six forms, with arithmetic on the count), so a count that is
        # not a number (a lazy object, a string) fails here as it would in Arabic.
        catalog = Catalog(locale="ar", domain=domain)
        for message in _messages(domain):
            if not message.id:
                continue
            if isinstance(message.id, list | tuple):
                ids = tuple(message.id)
                singular, plural = (pseudo(form) for form in ids[:2])
                forms = (plural, singular, plural, plural, plural, plural)  # zero, one, two, few, many, other
                catalog.add(ids, forms, context=message.context)
            else:
                catalog.add(message.id, pseudo(message.id), context=message.context)
        target = directory / "en_XA" / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with (target / f"{domain}.mo").open("wb") as mo:
            write_mo(mo, catalog)
    return directory


class UserData:
    """Every string people and the seed stored (names, titles, lesson bodies, messages,
    stored notifications): shown as written, in whatever language it was written in."""

    SKIP_APPS = {"sessions", "django_q", "admin", "contenttypes", "auth", "wagtailsearch"}

    def __init__(self):
        found: set[str] = set()
        for model in apps.get_models():
            if model._meta.app_label in self.SKIP_APPS:
                continue
            names = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
                or f.get_internal_type() in {"TextField", "JSONField"}
            ]
            if not names:
                continue
            for row in model._default_manager.values_list(*names):
                for value in row:
                    _collect(value, found)
        user = apps.get_model(settings.AUTH_USER_MODEL)
        for person in user.objects.all():
            found.update({person.name, person.get_full_name()})
        # Whole words only ("es", a stored language code, is not the end of "Tuesday"); the
        # longest first, so "Lesson 10" goes before "Lesson 1".
        strings = sorted((s for s in found if len(s.strip()) > 1), key=len, reverse=True)
        self.pattern = re.compile("|".join(rf"(?<!\w){re.escape(s)}(?!\w)" for s in strings)) if strings else None

    def remove(self, text: str) -> str:
        return self.pattern.sub(" ", text) if self.pattern else text


def _collect(value, found: set[str]) -> None:
    if isinstance(value, str):
        if value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
            else:
                _collect(value, found)
                return
        found.add(value.strip())
        found.update(piece.strip() for piece in re.split(r"<[^>]*>", value) if piece.strip())
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
    elif hasattr(value, "raw_data"):  # a StreamField's value (a rubric's criteria)
        _collect(list(value.raw_data), found)


def _locale_words() -> set[str]:
    """What the date formatters write in English (the pseudo-language has no CLDR data)."""
    locale = Locale.parse("en_GB")
    words = {"AM", "PM", "am", "pm", "UTC", "GMT", "BST"}
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in context.values():
                words.update(width.values())
    return words


ALLOWED = {"Lyceum", "English", "YouTube", "Vimeo"}  # brands; the pseudo-language's own name ("en" base)
_IGNORED_PATTERNS = re.compile(
    r"\S+@\S+"  # email addresses
    r"|https?://\S+|/[\w/.-]*"  # links and paths
    r"|\b[A-Z][a-z]+(?:/[A-Za-z_+-]+)+"  # time zone names (Europe/London)
    r"|\b[A-Z]{3}\b"  # currency codes and zone abbreviations
)
_WORD = re.compile(r"[A-Za-z]{2,}")

# Elements whose text is not prose; attributes a person reads or hears.
_SKIP = {"script", "style", "code", "pre", "svg", "template"}
_SPOKEN = {"aria-label", "title", "placeholder", "alt", "aria-description", "aria-roledescription"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipped(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # Code, and what is marked as not for translation or as written in another language
        # (the language menu names each language in itself).
        skipped = tag in _SKIP or attrs.get("translate") == "no" or (tag != "html" and "lang" in attrs)
        if not (skipped or self._skipped()):
            self.found += [attrs[name] for name in _SPOKEN if attrs.get(name)]
            if tag == "input" and attrs.get("type") in {"submit", "button", "reset"} and attrs.get("value"):
                self.found.append(attrs["value"])
            if tag == "meta" and attrs.get("name") == "description":
                self.found.append(attrs.get("content") or "")
        if tag not in {"input", "meta", "link", "br", "img", "hr", "source", "area", "col", "wbr", "base"}:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip() and not self._skipped():
            self.found.append(data.strip())


def english_left(html: str, data: UserData) -> list[str]:
    """The texts of `html` (nodes and spoken attributes) that still hold an English word."""
    parser = _Text()
    parser.feed(html)
    allowed = ALLOWED | _LOCALE_WORDS
    left = []
    for text in parser.found:
        rest = _IGNORED_PATTERNS.sub(" ", data.remove(text))
        if any(word not in allowed for word in _WORD.findall(rest)):
            left.append(text)
    return left


_LOCALE_WORDS = _locale_words()
