"""StreamField blocks of a lesson; each renders its own `templates/blocks/<name>.html`."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from courses.embeds import parse_video_url, player_html


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(required=False, label=_("Caption"))
    alt_text = blocks.CharBlock(
        required=False, label=_("Alt text"), help_text=_("Describe the image for people who cannot see it.")
    )

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A YouTube or Vimeo video, played from its URL with no network lookup; nothing is loaded
    from the provider until the viewer presses Play (courses/embeds.py)."""

    url = blocks.URLBlock(
        label=_("URL"), help_text=_("A YouTube or Vimeo link, e.g. https://www.youtube.com/watch?v=…")
    )
    title = blocks.CharBlock(
        required=False, label=_("Title"), help_text=_("What the video is about (read by screen readers).")
    )

    class Meta:
        icon = "media"
        label = _("Video link")
        template = "blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if not parse_video_url(value["url"]):
            raise StructBlockValidationError(
                block_errors={"url": ErrorList([ValidationError(_("Only YouTube and Vimeo links can be embedded."))])}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["player"] = player_html(value["url"], title=value.get("title") or "")
        return context


class VideoFileBlock(blocks.StructBlock):
    """An uploaded video (a Wagtail document: mp4/webm) in an HTML5 player."""

    video = DocumentChooserBlock(label=_("Video file"), help_text=_("Upload an .mp4 or .webm file as a document."))
    title = blocks.CharBlock(required=False, label=_("Title"))

    class Meta:
        icon = "media"
        label = _("Video file")
        template = "blocks/video_file.html"


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(required=False, label=_("Description"))

    class Meta:
        icon = "doc-full"
        label = _("Attachment")
        template = "blocks/attachment.html"


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("python", "Python"),
            ("javascript", "JavaScript"),
            ("html", "HTML"),
            ("css", "CSS"),
            ("sql", "SQL"),
            ("bash", "Shell"),
            ("text", _("Plain text")),
        ],
        default="python",
        label=_("Language"),
    )
    code = blocks.TextBlock(label=_("Code"))

    class Meta:
        icon = "code"
        label = _("Code")
        template = "blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))], default="info", label=_("Kind")
    )
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "code"], label=_("Text"))

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "blocks/callout.html"


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"))
    correct = blocks.BooleanBlock(required=False, label=_("Correct"))

    class Meta:
        icon = "tick"
        label = _("Choice")


class QuestionBlock(blocks.StructBlock):
    SINGLE, MULTIPLE, TRUE_FALSE, SHORT = "single", "multiple", "true_false", "short"

    kind = blocks.ChoiceBlock(
        choices=[
            (SINGLE, _("Single choice")),
            (MULTIPLE, _("Multiple choice")),
            (TRUE_FALSE, _("True / false")),
            (SHORT, _("Short answer")),
        ],
        default=SINGLE,
        label=_("Kind of question"),
    )
    prompt = blocks.TextBlock(label=_("Question"))
    choices = blocks.ListBlock(
        ChoiceBlock(), required=False, label=_("Choices"), help_text=_("For single and multiple choice.")
    )
    true_false_answer = blocks.BooleanBlock(
        required=False, label=_("True / false answer"), help_text=_("For true/false: ticked means “true”.")
    )
    accepted_answers = blocks.CharBlock(
        required=False,
        label=_("Accepted answers"),
        help_text=_("For short answer: accepted answers separated by “|” (case is ignored)."),
    )
    feedback = blocks.TextBlock(
        required=False, label=_("Feedback"), help_text=_("Shown after the attempt, with the right answer.")
    )

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        kind = value["kind"]
        errors = {}
        if kind in (self.SINGLE, self.MULTIPLE):
            correct = [c for c in value["choices"] if c["correct"]]
            if len(value["choices"]) < 2:
                errors["choices"] = ErrorList([ValidationError(_("Give at least two choices."))])
            elif not correct:
                errors["choices"] = ErrorList([ValidationError(_("Mark at least one choice correct."))])
            elif kind == self.SINGLE and len(correct) != 1:
                errors["choices"] = ErrorList([ValidationError(_("A single-choice question has one correct choice."))])
        if kind == self.SHORT and not value["accepted_answers"].strip():
            errors["accepted_answers"] = ErrorList([ValidationError(_("Give at least one accepted answer."))])
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class QuizBlock(blocks.StructBlock):
    """Graded on the server: the template never prints which answers are right."""

    title = blocks.CharBlock(default=_("Check your understanding"), label=_("Title"))
    pass_mark = blocks.IntegerBlock(
        min_value=0, max_value=100, default=70, label=_("Pass mark"), help_text=_("Percent needed to pass.")
    )
    max_attempts = blocks.IntegerBlock(
        min_value=0, default=3, label=_("Maximum attempts"), help_text=_("0 means unlimited.")
    )
    required = blocks.BooleanBlock(
        required=False,
        default=True,
        label=_("Required"),
        help_text=_("The lesson counts as done only when the quiz is passed."),
    )
    questions = blocks.ListBlock(QuestionBlock(), min_num=1, label=_("Questions"))

    class Meta:
        icon = "list-ul"
        label = _("Quiz")
        template = "blocks/quiz.html"


LESSON_BLOCKS = [
    ("paragraph", blocks.RichTextBlock(template="blocks/paragraph.html", label=_("Paragraph"))),
    ("heading", blocks.CharBlock(form_classname="title", template="blocks/heading.html", label=_("Heading"))),
    ("image", ImageBlock()),
    ("video", VideoBlock()),
    ("video_file", VideoFileBlock()),
    ("attachment", AttachmentBlock()),
    ("code", CodeBlock()),
    ("callout", CalloutBlock()),
    ("quiz", QuizBlock()),
]
