"""What the API shows of each thing. Output only; writes go through small input serializers in
views.py and then the domain's services."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.models import PersonalAccessToken
from courses.models import Level
from live.selectors import class_title_for
from lms.infra.validators import time_zone_names
from lms.models import User


def absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if url else ""


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_field({"type": "string", "example": "Europe/London"})
class TimeZoneField(serializers.ChoiceField):
    """An IANA zone name. The schema says "a string" rather than listing every zone: the list
    comes with the machine's time zone database, and the published schema must not change with it."""

    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_names(), help_text="An IANA time zone name.", **kwargs)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(
        source="display_name", max_length=User._meta.get_field("display_name").max_length, required=False
    )
    role = serializers.CharField(read_only=True)
    # The profile page's own choices: the IANA zones, and the site's languages (blank: the browser's).
    time_zone = TimeZoneField(required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True)


class CatalogQuery(serializers.Serializer):
    """The catalog's filters, as /courses/ takes them."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Search words.")
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=80, help_text="A category's slug (with those inside it)."
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    price = serializers.ChoiceField(choices=["free", "paid"], required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=settings.WAGTAIL_CONTENT_LANGUAGES, required=False, allow_blank=True, help_text="Written in."
    )
    sort = serializers.ChoiceField(choices=["newest", "title", "popular"], required=False, default="newest")


class NotificationQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only those not read yet.")


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class RatingSerializer(serializers.Serializer):
    average = serializers.DecimalField(max_digits=3, decimal_places=2)
    count = serializers.IntegerField()


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The course's page on the site.")
    language = serializers.CharField(source="locale.language_code")
    level = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="0.00: free.")
    currency = serializers.CharField()
    is_free = serializers.BooleanField()
    estimated_hours = serializers.IntegerField()
    category = CategorySerializer(allow_null=True)
    teachers = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="first_published_at")

    def get_url(self, course) -> str:
        request = self.context["request"]
        return absolute(request, course.get_url(request=request))  # site root paths kept on the request

    @extend_schema_field(PersonSerializer(many=True))
    def get_teachers(self, course):
        return [{"id": user.pk, "name": user.name} for user in course.teacher_users()]

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, course):
        rating = getattr(course, "rating", None)
        return {"average": rating.average, "count": rating.count} if rating and rating.count else None


class OutlineLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    free_preview = serializers.BooleanField()
    is_assignment = serializers.BooleanField()
    completed = serializers.SerializerMethodField()
    opens_at = serializers.SerializerMethodField(help_text="Not open to you until then (UTC); null: open.")

    def get_completed(self, lesson) -> bool:
        return lesson.pk in self.context["completed"]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_opens_at(self, lesson):
        return self.context["not_yet_open"].get(lesson.pk)


class OutlineModuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    lessons = OutlineLessonSerializer(many=True)


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    status = serializers.CharField()
    source = serializers.CharField()
    enrolled_at = serializers.DateTimeField(source="created_at")
    completed_at = serializers.DateTimeField(allow_null=True)


class CourseDetailSerializer(CourseSerializer):
    description = serializers.CharField(help_text="HTML, sanitised by the editor.")
    learning_outcomes = serializers.ListField(child=serializers.CharField(), source="outcomes")
    enrolment = serializers.SerializerMethodField()
    outline = serializers.SerializerMethodField()

    @extend_schema_field(EnrolmentSerializer(allow_null=True))
    def get_enrolment(self, course):
        enrollment = self.context["enrollment"]
        return EnrolmentSerializer(enrollment).data if enrollment else None

    @extend_schema_field(OutlineModuleSerializer(many=True))
    def get_outline(self, course):
        return OutlineModuleSerializer(course.outline(), many=True, context=self.context).data


class QuizQuestionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField(help_text="single, multiple, true_false or short")
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class QuizSerializer(serializers.Serializer):
    title = serializers.CharField()
    pass_mark = serializers.IntegerField()
    max_attempts = serializers.IntegerField(help_text="0: unlimited")
    required = serializers.BooleanField()
    questions = QuizQuestionSerializer(many=True)


class LessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    course = serializers.IntegerField()
    url = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    body_html = serializers.CharField(help_text="The lesson's content as the site renders it (no quiz).")
    quiz = QuizSerializer(allow_null=True)
    completed = serializers.BooleanField()
    previous_lesson = serializers.IntegerField(allow_null=True)
    next_lesson = serializers.IntegerField(allow_null=True)


class QuizAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=500, allow_blank=True), max_length=20),
        help_text='By question number: the chosen choices\' numbers, or the typed answer: {"0": ["2"], "1": ["Paris"]}',
    )


class QuizAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField(help_text="Percent.")
    passed = serializers.BooleanField()
    to_check = serializers.BooleanField(help_text="A short answer waits for the teacher's check.")
    results = serializers.ListField(child=serializers.DictField(), help_text="Per question: correct?, feedback.")
    created_at = serializers.DateTimeField()


class ProgressSerializer(serializers.Serializer):
    course = serializers.IntegerField(source="enrollment.course_id")
    title = serializers.CharField(source="enrollment.course.title")
    enrolled_at = serializers.DateTimeField(source="enrollment.created_at")
    lessons = serializers.IntegerField(source="total")
    completed = serializers.IntegerField(source="done")
    percent = serializers.IntegerField()


class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    course = serializers.IntegerField(source="course_id")
    course_title = serializers.CharField()
    student_name = serializers.CharField()
    issued_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, certificate) -> str:
        return absolute(self.context["request"], reverse("courses:certificate_download", args=[certificate.code]))


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, notification) -> str:
        return absolute(self.context["request"], notification.url)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class SlotQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=60, default=14, help_text="How many days ahead.")
    minutes = serializers.IntegerField(
        min_value=15, max_value=240, required=False, help_text="A lesson length the teacher prices."
    )


class LiveClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="pending, confirmed, rejected (declined), cancelled or expired")
    title = serializers.SerializerMethodField()
    teacher = serializers.SerializerMethodField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField(help_text="Why it was declined or cancelled.")
    meeting_url = serializers.SerializerMethodField(help_text="Shown once the class is confirmed.")
    calendar_url = serializers.SerializerMethodField(help_text="The class as an .ics file.")

    @extend_schema_field(PersonSerializer)
    def get_teacher(self, live_class):
        return {"id": live_class.teacher_id, "name": live_class.teacher.name}

    def get_title(self, live_class) -> str:
        return class_title_for(live_class=live_class, viewer=self.context["request"].user)

    def get_meeting_url(self, live_class) -> str:
        """Its teacher's and registered students' (never staff's), as on the class page."""
        viewer = self.context["request"].user
        if live_class.status != live_class.Status.CONFIRMED:
            return ""
        taking_part = live_class.teacher_id == viewer.pk or any(
            seat.student_id == viewer.pk and seat.status == seat.Status.REGISTERED
            for seat in live_class.participants.all()
        )
        return live_class.meeting_url if taking_part else ""

    def get_calendar_url(self, live_class) -> str:
        return absolute(self.context["request"], reverse("live:class_ics", args=[live_class.pk]))


class BookingRequestSerializer(serializers.Serializer):
    teacher = serializers.SlugField(help_text="The teacher's slug, as in /teachers/<slug>/.")
    start = serializers.DateTimeField(help_text="One of the teacher's free slots (GET …/slots/).")
    minutes = serializers.IntegerField(required=False, allow_null=True, min_value=15, max_value=240)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    use_credit = serializers.BooleanField(default=False, help_text="Spend a lesson credit with this teacher.")


class BookingSerializer(serializers.Serializer):
    live_class = LiveClassSerializer()
    checkout_url = serializers.CharField(
        allow_null=True, help_text="A paid lesson: open it to authorise the price; the teacher hears of it after."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class RescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField()


class PersonalAccessTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "scope", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class NewPersonalAccessTokenSerializer(PersonalAccessTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once: keep it now.")

    class Meta(PersonalAccessTokenSerializer.Meta):
        fields = [*PersonalAccessTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class PersonalAccessTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=PersonalAccessToken.Scope.choices, default=PersonalAccessToken.Scope.READ)
    expires_in_days = serializers.IntegerField(min_value=1, max_value=366, required=False, allow_null=True)
