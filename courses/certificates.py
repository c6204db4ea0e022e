"""The certificate PDF (fpdf2): name, course, teacher, date, unique id and verification URL,
written in the holder's language (lms.fonts: the fonts of every script we ship, embedded)."""

from django.utils.translation import gettext as _

from courses.models import Certificate
from lms.fonts import LocalizedPDF
from lms.formats import when
from lms.i18n import recipient_language


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The PDF in the holder's language, whoever downloads it (the holder, staff, the worker)."""
    with recipient_language(certificate.student):
        return _draw(certificate, verify_url=verify_url)


def _draw(certificate: Certificate, *, verify_url: str) -> bytes:
    pdf = LocalizedPDF(orientation="landscape", format="A4")
    pdf.set_title(_("Certificate %(code)s") % {"code": certificate.code})
    pdf.set_author("Lyceum")
    pdf.set_auto_page_break(False)
    pdf.add_page()

    width = pdf.w - 40
    pdf.set_draw_color(79, 70, 229)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    pdf.set_xy(20, 32)
    pdf.use_font("B", 14)
    pdf.set_text_color(79, 70, 229)
    pdf.cell(width, 10, "LYCEUM", align="C")
    pdf.set_xy(20, 46)
    pdf.use_font("B", 30)
    pdf.set_text_color(15, 23, 42)
    pdf.cell(width, 16, _("Certificate of completion"), align="C")
    pdf.set_xy(20, 72)
    pdf.use_font("", 14)
    pdf.set_text_color(71, 85, 105)
    # Translators: On the certificate, the line above the student's name; the next line
    # after the name is "has completed the course", then the course title.
    pdf.cell(width, 10, _("This certifies that"), align="C")
    pdf.set_xy(20, 84)
    pdf.use_font("B", 26)
    pdf.set_text_color(15, 23, 42)
    pdf.cell(width, 14, pdf.isolate(certificate.student_name), align="C")
    pdf.set_xy(20, 104)
    pdf.use_font("", 14)
    pdf.set_text_color(71, 85, 105)
    # Translators: On the certificate, the line between the student's name and the course title.
    pdf.cell(width, 10, _("has completed the course"), align="C")
    pdf.set_xy(20, 116)
    pdf.use_font("B", 20)
    pdf.set_text_color(15, 23, 42)
    pdf.multi_cell(width, 10, pdf.isolate(certificate.course_title), align="C")
    if certificate.teacher_names:
        pdf.set_xy(20, pdf.get_y() + 4)
        pdf.use_font("", 13)
        pdf.set_text_color(71, 85, 105)
        names = pdf.isolate(certificate.teacher_names)
        # Translators: On the certificate, under the course title: the names of its teachers.
        pdf.cell(width, 8, _("taught by %(names)s") % {"names": names}, align="C")

    pdf.set_xy(20, pdf.h - 48)
    pdf.use_font("", 11)
    pdf.set_text_color(71, 85, 105)
    issued = _("Issued on %(date)s") % {"date": when(certificate.issued_at, "long_date")}
    code = _("Certificate ID %(code)s") % {"code": pdf.isolate(certificate.code)}
    pdf.cell(width, 7, f"{issued}   ·   {code}", align="C")
    pdf.set_xy(20, pdf.h - 40)
    pdf.set_text_color(79, 70, 229)
    pdf.cell(width, 7, _("Verify at %(url)s") % {"url": pdf.isolate(verify_url)}, align="C", link=verify_url)
    return bytes(pdf.output())


def certificate_attachment(certificate_id: int) -> tuple[str, bytes, str]:
    """The certificate's PDF as an email attachment (lms.services.notify's `email_attachment`)."""
    from django.conf import settings

    certificate = Certificate.objects.select_related("student").get(pk=certificate_id)
    verify_url = settings.SITE_URL.rstrip("/") + certificate.get_absolute_url()
    pdf = certificate_pdf(certificate, verify_url=verify_url)
    return f"lyceum-certificate-{certificate.code}.pdf", pdf, "application/pdf"
