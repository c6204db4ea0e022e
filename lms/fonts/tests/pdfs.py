"""Reading back the PDFs we write: their text and the fonts embedded in them."""

import io
import unicodedata

from pypdf import PdfReader


def plain(text: str) -> str:
    """`text` without control and format characters (the isolates and direction marks around
    user data, and what a reader extracts for the parts of a shaped Devanagari or Arabic
    glyph), so the words can be compared."""
    return "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as a PDF reader extracts it, made `plain`. Arabic comes out in
    visual order (each line right to left), its words whole."""
    return plain("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def embedded_fonts(pdf: bytes) -> set[str]:
    """The fonts whose program is embedded in the PDF (TrueType, as a subset), by name:
    "MPDFAA+NotoSansArabicBold" → "NotoSansArabicBold". A font used but not embedded
    is left out."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    names.add(str(font["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def has_script(text: str, script: str) -> bool:
    """Whether `text` has a letter of `script` ("DEVANAGARI", "ARABIC"), by Unicode name."""
    return any(unicodedata.name(char, "").startswith(script + " ") for char in text)
