"""The shipped catalogs are complete, and the site is read in each language as its users
choose it: profile, then the language menu's cookie, then the browser."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CATALOGS = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/*.po"))


def test_every_shipped_language_has_both_catalogs():
    found = {(path.parts[-3], path.stem) for path in CATALOGS}
    assert found == {(code, domain) for code in SHIPPED for domain in ("django", "djangojs")}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_the_catalog_has_no_untranslated_or_fuzzy_entry(path):
    with path.open("rb") as file:
        catalog = read_po(file, abort_invalid=True)
    forms = catalog.num_plurals
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.pluralizable and len(strings) != forms:
            untranslated.append(f"{message.id!r}: {len(strings)} plural forms, {forms} expected")
        elif not all(strings):
            untranslated.append(repr(message.id))
        if message.fuzzy:
            fuzzy.append(repr(message.id))
    print(f"\n{path}: {len(catalog)} messages")
    assert not untranslated, f"{len(untranslated)} untranslated in {path}:\n" + "\n".join(untranslated[:50])
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {path}:\n" + "\n".join(fuzzy[:50])
