"""The certificate PDF (fpdf2): name, course, teacher, date, unique id and verification URL."""

from pathlib import Path

from fpdf import FPDF

from courses.models import Certificate

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _fonts(pdf: FPDF) -> tuple[str, bool]:
    """DejaVu (any script) when the system has it, else a core font (Latin-1 only)."""
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", True
    return "Helvetica", False


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"Certificate {certificate.code}")
    pdf.set_author("Lyceum")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family, unicode_ok = _fonts(pdf)

    def text(value: str) -> str:
        return value if unicode_ok else value.encode("latin-1", "replace").decode("latin-1")

    width = pdf.w - 40
    pdf.set_draw_color(79, 70, 229)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    pdf.set_xy(20, 32)
    pdf.set_font(family, "B", 14)
    pdf.set_text_color(79, 70, 229)
    pdf.cell(width, 10, "LYCEUM", align="C")
    pdf.set_xy(20, 46)
    pdf.set_font(family, "B", 30)
    pdf.set_text_color(15, 23, 42)
    pdf.cell(width, 16, text("Certificate of completion"), align="C")
    pdf.set_xy(20, 72)
    pdf.set_font(family, "", 14)
    pdf.set_text_color(71, 85, 105)
    pdf.cell(width, 10, text("This certifies that"), align="C")
    pdf.set_xy(20, 84)
    pdf.set_font(family, "B", 26)
    pdf.set_text_color(15, 23, 42)
    pdf.cell(width, 14, text(certificate.student_name), align="C")
    pdf.set_xy(20, 104)
    pdf.set_font(family, "", 14)
    pdf.set_text_color(71, 85, 105)
    pdf.cell(width, 10, text("has completed the course"), align="C")
    pdf.set_xy(20, 116)
    pdf.set_font(family, "B", 20)
    pdf.set_text_color(15, 23, 42)
    pdf.multi_cell(width, 10, text(certificate.course_title), align="C")
    if certificate.teacher_names:
        pdf.set_xy(20, pdf.get_y() + 4)
        pdf.set_font(family, "", 13)
        pdf.set_text_color(71, 85, 105)
        pdf.cell(width, 8, text(f"taught by {certificate.teacher_names}"), align="C")

    pdf.set_xy(20, pdf.h - 48)
    pdf.set_font(family, "", 11)
    pdf.set_text_color(71, 85, 105)
    pdf.cell(
        width, 7, text(f"Issued {certificate.issued_at:%d %B %Y}   ·   Certificate ID {certificate.code}"), align="C"
    )
    pdf.set_xy(20, pdf.h - 40)
    pdf.set_text_color(79, 70, 229)
    pdf.cell(width, 7, text(f"Verify at {verify_url}"), align="C", link=verify_url)
    return bytes(pdf.output())


def certificate_attachment(certificate_id: int) -> tuple[str, bytes, str]:
    """The certificate's PDF as an email attachment (lms.services.notify's `email_attachment`)."""
    from django.conf import settings

    certificate = Certificate.objects.get(pk=certificate_id)
    verify_url = settings.SITE_URL.rstrip("/") + certificate.get_absolute_url()
    pdf = certificate_pdf(certificate, verify_url=verify_url)
    return f"lyceum-certificate-{certificate.code}.pdf", pdf, "application/pdf"
