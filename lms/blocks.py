"""The home page's StreamField sections; each renders its own `templates/blocks/<name>.html`.

The core never imports a feature app: featured courses are chosen by page type
("courses.CoursePage"), and the sections that need an app's data to render (the course cards,
the upcoming group classes) are filled by the apps through the `home_courses` and
`home_classes` panel slots (lms/infra/panels.py). Nothing here imports lms.models either
(lms.models imports this module): the user model is named, not imported.
"""

from django import forms
from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class TeacherChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.email})"  # two teachers may share a name


class TeacherChooserBlock(blocks.ChooserBlock):
    """A user whose role is teacher, picked from a list of them."""

    target_model = settings.AUTH_USER_MODEL
    widget = forms.Select

    @cached_property
    def field(self):
        return TeacherChoiceField(
            queryset=self.model_class.objects.filter(role="teacher").order_by("display_name", "email"),
            widget=self.widget,
            required=self._required,
            validators=self._validators,
            help_text=self._help_text,
        )

    def get_form_state(self, value):
        # A plain <select> holds the chosen teacher's id (ChooserBlock's state is for chooser widgets).
        return blocks.FieldBlock.get_form_state(self, value)

    class Meta:
        icon = "user"


class FeaturedCoursesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default=_("Featured courses"), label=_("Heading"))
    courses = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="courses.CoursePage", label=_("Course")),
        min_num=1,
        max_num=6,
        label=_("Courses"),
        help_text=_(
            "Shown as catalog cards, in this order; a course that is not published is left out. "
            "Without a hero image, the first course of the first list is shown in the hero instead."
        ),
    )

    class Meta:
        icon = "list-ul"
        label = _("Featured courses")
        template = "blocks/featured_courses.html"


class FeaturedTeachersBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default=_("Meet the teachers"), label=_("Heading"))
    teachers = blocks.ListBlock(TeacherChooserBlock(label=_("Teacher")), min_num=1, max_num=8, label=_("Teachers"))

    class Meta:
        icon = "group"
        label = _("Featured teachers")
        template = "blocks/featured_teachers.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        # Still teachers (a role can change after the page was written), with their profiles in one query.
        teachers = [user for user in value["teachers"] if user is not None and user.role == "teacher"]
        prefetch_related_objects(teachers, "teacher_profile")
        context["teachers"] = teachers
        return context


class UpcomingClassesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default=_("Upcoming live group classes"), label=_("Heading"))
    count = blocks.IntegerBlock(
        default=3,
        min_value=1,
        max_value=12,
        label=_("Number of classes"),
        help_text=_("How many of the next group classes to show."),
    )

    class Meta:
        icon = "date"
        label = _("Upcoming classes")
        template = "blocks/upcoming_classes.html"


class TestimonialBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"))
    name = blocks.CharBlock(label=_("Name"))
    role = blocks.CharBlock(required=False, label=_("Role"), help_text=_("E.g. “Student, Python from Scratch”."))

    class Meta:
        label = _("Testimonial")


class TestimonialsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default=_("What students say"), label=_("Heading"))
    items = blocks.ListBlock(TestimonialBlock(), min_num=1, max_num=6, label=_("Testimonials"))

    class Meta:
        icon = "openquote"
        label = _("Testimonials")
        template = "blocks/testimonials.html"


HOME_BLOCKS = [
    ("heading", blocks.CharBlock(form_classname="title", template="blocks/heading.html", label=_("Heading"))),
    ("paragraph", blocks.RichTextBlock(template="blocks/paragraph.html", label=_("Paragraph"))),
    (
        "features",
        blocks.ListBlock(
            blocks.StructBlock(
                [("title", blocks.CharBlock(label=_("Title"))), ("text", blocks.TextBlock(label=_("Text")))],
                label=_("Feature"),
            ),
            template="blocks/features.html",
            label=_("Features"),
        ),
    ),
    ("featured_courses", FeaturedCoursesBlock()),
    ("featured_teachers", FeaturedTeachersBlock()),
    ("upcoming_classes", UpcomingClassesBlock()),
    ("testimonials", TestimonialsBlock()),
]
