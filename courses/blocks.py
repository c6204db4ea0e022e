"""StreamField blocks of a lesson; each renders its own `templates/blocks/<name>.html`."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from courses.embeds import parse_video_url, player_html


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False)
    alt_text = blocks.CharBlock(required=False, help_text="Describe the image for people who cannot see it.")

    class Meta:
        icon = "image"
        template = "blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A YouTube or Vimeo video, played from its URL with no network lookup."""

    url = blocks.URLBlock(help_text="A YouTube or Vimeo link, e.g. https://www.youtube.com/watch?v=…")
    title = blocks.CharBlock(required=False, help_text="What the video is about (read by screen readers).")

    class Meta:
        icon = "media"
        template = "blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if not parse_video_url(value["url"]):
            raise StructBlockValidationError(
                block_errors={"url": ErrorList([ValidationError("Only YouTube and Vimeo links can be embedded.")])}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["player"] = player_html(value["url"], title=value.get("title") or "Video")
        return context


class VideoFileBlock(blocks.StructBlock):
    """An uploaded video (a Wagtail document: mp4/webm) in an HTML5 player."""

    video = DocumentChooserBlock(help_text="Upload an .mp4 or .webm file as a document.")
    title = blocks.CharBlock(required=False)

    class Meta:
        icon = "media"
        template = "blocks/video_file.html"


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(required=False)

    class Meta:
        icon = "doc-full"
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
            ("text", "Plain text"),
        ],
        default="python",
    )
    code = blocks.TextBlock()

    class Meta:
        icon = "code"
        template = "blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=[("info", "Note"), ("tip", "Tip"), ("warning", "Warning")], default="info")
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "code"])

    class Meta:
        icon = "warning"
        template = "blocks/callout.html"


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock()
    correct = blocks.BooleanBlock(required=False)

    class Meta:
        icon = "tick"


class QuestionBlock(blocks.StructBlock):
    SINGLE, MULTIPLE, TRUE_FALSE, SHORT = "single", "multiple", "true_false", "short"

    kind = blocks.ChoiceBlock(
        choices=[
            (SINGLE, "Single choice"),
            (MULTIPLE, "Multiple choice"),
            (TRUE_FALSE, "True / false"),
            (SHORT, "Short answer"),
        ],
        default=SINGLE,
    )
    prompt = blocks.TextBlock()
    choices = blocks.ListBlock(ChoiceBlock(), required=False, help_text="For single and multiple choice.")
    true_false_answer = blocks.BooleanBlock(required=False, help_text="For true/false: ticked means “true”.")
    accepted_answers = blocks.CharBlock(
        required=False, help_text="For short answer: accepted answers separated by “|” (case is ignored)."
    )
    feedback = blocks.TextBlock(required=False, help_text="Shown after the attempt, with the right answer.")

    class Meta:
        icon = "help"

    def clean(self, value):
        value = super().clean(value)
        kind = value["kind"]
        errors = {}
        if kind in (self.SINGLE, self.MULTIPLE):
            correct = [c for c in value["choices"] if c["correct"]]
            if len(value["choices"]) < 2:
                errors["choices"] = ErrorList([ValidationError("Give at least two choices.")])
            elif not correct:
                errors["choices"] = ErrorList([ValidationError("Mark at least one choice correct.")])
            elif kind == self.SINGLE and len(correct) != 1:
                errors["choices"] = ErrorList([ValidationError("A single-choice question has one correct choice.")])
        if kind == self.SHORT and not value["accepted_answers"].strip():
            errors["accepted_answers"] = ErrorList([ValidationError("Give at least one accepted answer.")])
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class QuizBlock(blocks.StructBlock):
    """Graded on the server: the template never prints which answers are right."""

    title = blocks.CharBlock(default="Check your understanding")
    pass_mark = blocks.IntegerBlock(min_value=0, max_value=100, default=70, help_text="Percent needed to pass.")
    max_attempts = blocks.IntegerBlock(min_value=0, default=3, help_text="0 means unlimited.")
    required = blocks.BooleanBlock(
        required=False, default=True, help_text="The lesson counts as done only when the quiz is passed."
    )
    questions = blocks.ListBlock(QuestionBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "blocks/quiz.html"


LESSON_BLOCKS = [
    ("paragraph", blocks.RichTextBlock(template="blocks/paragraph.html")),
    ("heading", blocks.CharBlock(form_classname="title", template="blocks/heading.html")),
    ("image", ImageBlock()),
    ("video", VideoBlock()),
    ("video_file", VideoFileBlock()),
    ("attachment", AttachmentBlock()),
    ("code", CodeBlock()),
    ("callout", CalloutBlock()),
    ("quiz", QuizBlock()),
]
