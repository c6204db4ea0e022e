"""What the API shows of each thing. Output only; writes go through small input serializers in
views.py and then the domain's services."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.models import PersonalAccessToken
from courses.models import Level
from live.models import CLASS_LENGTHS
from live.selectors import class_title_for
from lms.infra.validators import time_zone_names
from lms.models import User
from lms.notifications import KINDS
from tutors.forms import SORT_CHOICES
from tutors.times import PERIODS


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


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.key")
    label = serializers.CharField(source="kind.label", read_only=True)
    description = serializers.CharField(source="kind.description", read_only=True)
    email = serializers.BooleanField()
    email_required = serializers.BooleanField(source="kind.email_required", read_only=True)
    push = serializers.BooleanField(help_text="To the devices you turned push on for.")


class NotificationPreferenceChange(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS))
    email = serializers.BooleanField(required=False, help_text="Ignored for kinds that are always emailed.")
    push = serializers.BooleanField(required=False)


# --- Web push ------------------------------------------------------------------------------


class PushKeySerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField(
        help_text="The applicationServerKey for PushManager.subscribe(); empty: push is off on this server."
    )


class PushKeysSerializer(serializers.Serializer):
    # Untrimmed text: whether it is a key is the domain's rule (push.services), refused with 409.
    p256dh = serializers.CharField(max_length=200, trim_whitespace=False)
    auth = serializers.CharField(max_length=200, trim_whitespace=False)


class PushSubscriptionCreate(serializers.Serializer):
    """A PushSubscription's JSON, as the browser (or the app's push library) gives it."""

    # Text, not a URL field: which addresses are push services is the domain's rule
    # (push.services), refused with 409 like any other of its rules.
    endpoint = serializers.CharField(
        max_length=1000, trim_whitespace=False, help_text="The push service's address for the device."
    )
    keys = PushKeysSerializer()
    device = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="E.g. “Pixel 8”.")


class PushSubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.CharField()
    device = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_sent_at = serializers.DateTimeField(allow_null=True)


# --- Conversations ---------------------------------------------------------------------------


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField(source="attachment_name")
    kind = serializers.CharField(source="attachment_kind")
    size = serializers.IntegerField(source="attachment_size", help_text="Bytes.")


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField(source="conversation_id")
    sender = PersonSerializer()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField(help_text="visible, or held: kept for review and shown to its sender only.")
    client_id = serializers.SerializerMethodField(help_text="Yours, echoed on your own messages.")
    attachment = serializers.SerializerMethodField()

    def get_client_id(self, message) -> str:
        return message.client_id if message.sender_id == self.context["request"].user.pk else ""

    @extend_schema_field(AttachmentSerializer(allow_null=True))
    def get_attachment(self, message):
        return AttachmentSerializer(message).data if message.attachment else None


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="conversation.pk")
    other = PersonSerializer(help_text="The person you talk to.")
    last_message = MessageSerializer(source="last", allow_null=True)
    unread = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="The conversation's page on the site.")

    def get_url(self, row) -> str:
        return absolute(self.context["request"], row["conversation"].get_absolute_url())


class ConversationStart(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The person's id.")


class MessageCreate(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=100_000)
    client_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Your id for this message: sending it again answers 200 with the stored message, never a copy.",
    )


class ReadMarker(serializers.Serializer):
    message = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The newest message you have seen.")


# --- Payments ------------------------------------------------------------------------------


class ReceiptLinkSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    reference = serializers.CharField()
    pdf = serializers.SerializerMethodField(help_text="The receipt as a PDF (with your token).")

    def get_pdf(self, receipt) -> str:
        return absolute(self.context["request"], reverse("api:receipt", args=[receipt.number]))


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="course, subscription, lesson, package or trial.")
    description = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField(help_text="In the currency's minor unit (cents).")
    amount_refunded = serializers.IntegerField(help_text="Minor units.")
    currency = serializers.CharField()
    amount_display = serializers.CharField(help_text="The amount written for your language.")
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    receipt = serializers.SerializerMethodField()

    @extend_schema_field(ReceiptLinkSerializer(allow_null=True))
    def get_receipt(self, payment):
        receipt = getattr(payment, "receipt", None)  # a one-to-one the payment may not have
        return ReceiptLinkSerializer(receipt, context=self.context).data if receipt else None


class CheckoutSerializer(serializers.Serializer):
    payment = serializers.IntegerField(help_text="Its id: GET /api/v1/payments/ shows it once paid.")
    checkout_url = serializers.URLField(help_text="Open it in a browser: the provider's payment page.")


# --- Teaching ------------------------------------------------------------------------------


class TaughtCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    live = serializers.BooleanField(help_text="Published.")
    students = serializers.IntegerField(source="n_students", help_text="Active enrolments.")


class TeachingSerializer(serializers.Serializer):
    courses = TaughtCourseSerializer(many=True)
    classes_held = serializers.IntegerField()
    hours_taught = serializers.FloatField()
    no_show_rate = serializers.IntegerField(allow_null=True, help_text="Percent of marked attendances.")


class CourseStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="enrollment.student_id")
    name = serializers.CharField(source="enrollment.student.name")
    email = serializers.EmailField(source="enrollment.student.email")
    status = serializers.CharField(source="enrollment.status")
    enrolled_at = serializers.DateTimeField(source="enrollment.created_at")
    completed_at = serializers.DateTimeField(source="enrollment.completed_at", allow_null=True)
    lessons_done = serializers.IntegerField(source="done")
    lessons_total = serializers.IntegerField(source="total")
    percent = serializers.IntegerField()
    quizzes_passed = serializers.IntegerField(source="quiz_passes")


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Its Monday.")
    enrolments = serializers.IntegerField()


class CourseAnalyticsSerializer(serializers.Serializer):
    enrolments = serializers.IntegerField(source="enrollments")
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_rate = serializers.IntegerField(help_text="Percent.")
    quiz_attempts = serializers.IntegerField(source="attempts")
    quiz_attempt_pass_rate = serializers.IntegerField(source="attempt_pass_rate", help_text="Percent.")
    weekly = serializers.SerializerMethodField()

    @extend_schema_field(WeekSerializer(many=True))
    def get_weekly(self, stats):
        return [{"week": week, "enrolments": n} for week, n in stats["weekly"]]


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    """A time of day on the teacher's clock (their time zone), without an offset: OpenAPI's
    "time" format would ask for one."""


class WeeklyHoursSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0: Monday.")
    start_time = WallClockTimeField(help_text="In your time zone.")
    end_time = WallClockTimeField()


class AvailabilitySerializer(serializers.Serializer):
    """The limits are the availability page's (live.services.availability_update)."""

    accepting = serializers.BooleanField(help_text="Open to new bookings.")
    class_minutes = serializers.ChoiceField(choices=[minutes for minutes, _label in CLASS_LENGTHS])
    buffer_minutes = serializers.IntegerField(min_value=0, max_value=120)
    min_notice_hours = serializers.IntegerField(min_value=1, max_value=24 * 14)
    max_days_ahead = serializers.IntegerField(min_value=1, max_value=365)
    time_zone = serializers.CharField(read_only=True, source="teacher.time_zone", help_text="Of the weekly hours.")
    weekly_hours = WeeklyHoursSerializer(many=True, read_only=True, source="teacher.weekly_hours")


# --- Staff: accounts ------------------------------------------------------------------------


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="display_name")
    role = serializers.CharField()
    language = serializers.CharField()
    time_zone = serializers.CharField()
    is_active = serializers.BooleanField()
    date_joined = serializers.DateTimeField()


class AccountCreate(serializers.Serializer):
    email = serializers.EmailField(max_length=User._meta.get_field("email").max_length)
    name = serializers.CharField(max_length=User._meta.get_field("display_name").max_length)
    role = serializers.ChoiceField(choices=["student", "teacher"], help_text="Staff are made in the staff portal.")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True)
    time_zone = TimeZoneField(required=False)


class AccountQuery(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254, help_text="Exactly this address (any case).")
    role = serializers.ChoiceField(choices=["student", "teacher", "staff"], required=False)


# --- Tutor directory ----------------------------------------------------------------------


class TeacherDirectoryQuery(serializers.Serializer):
    """/teachers/' filters, read by its own form (tutors.forms.DirectoryForm): a subject, level,
    language or currency the directory does not know is left out of the search, as there."""

    subject = serializers.CharField(required=False, allow_blank=True, max_length=80, help_text="A subject's slug.")
    level = serializers.CharField(required=False, allow_blank=True, max_length=80, help_text="A level's slug.")
    language = serializers.CharField(required=False, allow_blank=True, max_length=10, help_text="Speaks (a code).")
    # Numbers here; the directory's form reads them as money (more than two decimals: left out).
    price_min = serializers.FloatField(min_value=0, max_value=9_999_999.99, required=False)
    price_max = serializers.FloatField(
        min_value=0, max_value=9_999_999.99, required=False, help_text="For 60 minutes, in `currency`."
    )
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    when = serializers.MultipleChoiceField(
        choices=[period.key for period in PERIODS], required=False, help_text="Free then, in your time zone."
    )
    rating = serializers.ChoiceField(choices=["4.5", "4", "3.5"], required=False, help_text="At least.")
    verified = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=[key for key, _label in SORT_CHOICES], required=False, default="recommended")
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False, default=1)


class TutorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id", help_text="The teacher's person id.")
    slug = serializers.CharField(source="user.teacher_profile.slug", help_text="For /api/v1/teachers/{slug}/slots/.")
    name = serializers.CharField(source="user.name")
    headline = serializers.CharField(source="user.teacher_profile.headline")
    url = serializers.SerializerMethodField(help_text="Their page on the site.")
    subjects = serializers.SerializerMethodField()
    languages = serializers.SerializerMethodField()
    currency = serializers.CharField()
    rate_60 = serializers.IntegerField(help_text="60 minutes, in the currency's minor unit.")
    trial_price = serializers.IntegerField(allow_null=True, help_text="Minor units; null: no trial lesson.")
    rating = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField(help_text="Why it is recommended to you, most important first.")

    def get_url(self, tutor) -> str:
        return absolute(self.context["request"], reverse("teacher_profile", args=[tutor.user.teacher_profile.slug]))

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, tutor):
        return {"average": tutor.rating_average, "count": tutor.rating_count} if tutor.rating_count else None

    def get_subjects(self, tutor) -> list[str]:
        return [subject.name for subject in tutor.subjects.all()]  # prefetched by the directory

    def get_languages(self, tutor) -> list[str]:
        return [language.name for language in tutor.languages.all()]

    def get_verified(self, tutor) -> bool:
        return tutor.verified_at is not None

    def get_reasons(self, tutor) -> list[str]:
        score = self.context["scores"].get(tutor.pk)
        return [str(reason) for reason in score.reasons] if score else []


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
