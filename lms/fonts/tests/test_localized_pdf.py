"""LocalizedPDF: the active language's fonts embedded, shaped text, right to left for Arabic."""

import pytest
from django.utils import translation

from lms.fonts import LocalizedPDF
from lms.fonts.tests.pdfs import embedded_fonts, has_script, pdf_text

FSI, PDI = "\u2068", "\u2069"


def _pdf(language: str, *lines: str) -> tuple[LocalizedPDF, bytes]:
    with translation.override(language):
        pdf = LocalizedPDF(format="A4")
        pdf.add_page()
        for line in lines:
            pdf.use_font("", 12)
            pdf.cell(0, 8, line, align=pdf.align_start, new_x="LMARGIN", new_y="NEXT")
        return pdf, bytes(pdf.output())


@pytest.mark.parametrize(
    ("language", "family", "rtl", "start"),
    [
        ("en-gb", "NotoSans", False, "L"),
        ("es", "NotoSans", False, "L"),
        ("hi", "NotoSans", False, "L"),
        ("ar", "NotoSansArabic", True, "R"),
    ],
)
def test_each_language_writes_with_its_scripts_font_embedded(language, family, rtl, start):
    pdf, output = _pdf(language, "Lyceum", "नमस्ते दुनिया", "مرحبا بالعالم")
    assert (pdf.script_family, pdf.rtl, pdf.align_start) == (family, rtl, start)
    # Every script drawn from a vendored Noto font, embedded: no system font, no download.
    assert embedded_fonts(output) == {"NotoSans", "NotoSansArabic"}
    text = pdf_text(output)
    assert "Lyceum" in text and has_script(text, "DEVANAGARI") and has_script(text, "ARABIC")


def test_user_data_is_isolated_only_where_directions_mix():
    english, _ = _pdf("en-gb")
    arabic, _ = _pdf("ar")
    assert english.isolate("Ana <ana@example.com>") == "Ana <ana@example.com>"
    assert english.isolate("سارة") == f"{FSI}سارة{PDI}"
    assert arabic.isolate("Ana <ana@example.com>") == f"{FSI}Ana <ana@example.com>{PDI}"


@pytest.mark.parametrize(("language", "line"), [("ar", f"{FSI}Ana{PDI}"), ("en-gb", "سارة")])
def test_a_line_in_a_fallback_font_leaves_the_next_line_readable(language, line):
    # fpdf2 2.8.9 drew the line after one that begins and ends in a fallback font (the
    # isolates, which Noto Sans Arabic lacks; Arabic letters in an English PDF) as garbage.
    _, output = _pdf(language, line, "Total paid £25", "Total paid £25")
    assert pdf_text(output).count("£25") == 2
