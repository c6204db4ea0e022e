"""The PDFs we write for someone (certificates, receipts), in their language and script.

The fonts are vendored in static/fonts/ (its README.md: where each file comes from; the
pages use them too, for devices without a Devanagari or Arabic font) and embedded in every
PDF as subsets, so a PDF reads the same on any device and nothing is downloaded or taken
from the system: Noto Sans (Latin, Greek, Cyrillic and Devanagari, for Hindi) and Noto
Sans Arabic. HarfBuzz (uharfbuzz) shapes the text: Devanagari conjuncts and vowel
signs, Arabic letters joined, right to left.
"""

import unicodedata
from pathlib import Path

from django.conf import settings
from django.utils import translation
from fpdf import FPDF

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

# Family → (regular, bold): only the two weights the PDFs use.
FAMILIES = {
    "NotoSans": ("NotoSans_400Regular.ttf", "NotoSans_700Bold.ttf"),
    "NotoSansArabic": ("NotoSansArabic_400Regular.ttf", "NotoSansArabic_700Bold.ttf"),
}
# The family drawn first for a language's script; the others draw what it lacks (a name
# written in another script, a currency sign).
SCRIPT_FAMILY = {"ar": "NotoSansArabic"}


class LocalizedPDF(FPDF):
    """An FPDF for the active language: its script's font first, the others as fallbacks,
    text shaped, and paragraphs right to left for a right-to-left language. Build the whole
    document inside `lms.i18n.recipient_language(user)`, so strings, dates and amounts are
    the reader's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = translation.get_language() or settings.LANGUAGE_CODE
        self.rtl = translation.get_language_bidi()
        for family, (regular, bold) in FAMILIES.items():
            self.add_font(family, "", FONT_DIR / regular)
            self.add_font(family, "B", FONT_DIR / bold)
        self.script_family = SCRIPT_FAMILY.get(language.split("-")[0], "NotoSans")
        self.set_fallback_fonts([family for family in FAMILIES if family != self.script_family])
        self.set_text_shaping(True, direction="rtl" if self.rtl else "ltr", language=language)
        self.set_lang(language)

    # fpdf2 2.8.9 (py-pdf/fpdf2#1772, fixed only in part by #1775): a line that begins in a
    # fallback font sets the page's font inside its own q…Q when it also ends in another
    # font, then takes that font as set: the next line in the same font comes out as
    # garbage. Forgetting it after every cell makes each line set its font again.
    def cell(self, *args, **kwargs):
        try:
            return super().cell(*args, **kwargs)
        finally:
            self.current_font_is_set_on_page = False

    def multi_cell(self, *args, **kwargs):
        try:
            return super().multi_cell(*args, **kwargs)
        finally:
            self.current_font_is_set_on_page = False

    def isolate(self, value) -> str:
        """User data (a name, a title, an address) set apart from the text around it (Unicode's
        first-strong isolate) where directions mix: it runs in its own script's direction, so
        "Ana <ana@example.com>" keeps its brackets in an Arabic receipt and an Arabic name stays
        whole in an English one. Text in the document's direction stays as it is."""
        value = str(value)
        if self.rtl or any(unicodedata.bidirectional(char) in ("R", "AL") for char in value):
            return f"\u2068{value}\u2069"
        return value

    def use_font(self, style: str = "", size: float = 10) -> None:
        """The language's font, regular ("") or bold ("B")."""
        self.set_font(self.script_family, style, size)

    @property
    def align_start(self) -> str:
        """Where a line of text begins: the left, or the right in a right-to-left language."""
        return "R" if self.rtl else "L"

    @property
    def align_end(self) -> str:
        return "L" if self.rtl else "R"
