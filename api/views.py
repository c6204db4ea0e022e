"""The public API, v1 (docs/api.md). Thin views: each asks the same domain functions as the
site's own pages (courses.selectors/services, lms.services, api.services) — the API has no
permission rules of its own."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView
from wagtail.models import Locale

from api import realtime
from api import serializers as out
from api import services as token_services
from api.idempotency import HEADER, idempotent
from api.models import PersonalAccessToken
from api.permissions import NotWithAPersonalToken, SignedIn, StaffOnly, TokenScopes
from api.problems import Refused
from billing import lessons
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.exceptions import BillingError, PaymentsNotConfigured
from billing.receipts import receipt_pdf
from chat import selectors as chat_selectors
from chat import services as chat_services
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import CoursePage, LessonPage
from live import selectors as live_selectors
from live import services as live_services
from live.models import LiveClass
from live.services import BookingError
from lms import selectors as lms_selectors
from lms import services as lms_services
from lms.formats import when
from lms.models import Notification, User
from push import selectors as push_selectors
from push import services as push_services
from tutors import forms as tutor_forms
from tutors import selectors as tutor_selectors

# --- You -------------------------------------------------------------------------------------


class MeView(generics.GenericAPIView):
    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.MeSerializer

    def get(self, request):
        return Response(out.MeSerializer(request.user).data)

    def patch(self, request):
        """Change your name, time zone or language (the profile page's rules)."""
        serializer = out.MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request.user
        current = {"display_name": user.display_name, "time_zone": user.time_zone, "language": user.language}
        try:
            lms_services.profile_update(user=user, profile_data={**current, **serializer.validated_data})
        except ValidationError as exc:  # the model's own rules, named as the API names its fields
            raise serializers.ValidationError(
                {("name" if field == "display_name" else field): errors for field, errors in exc.message_dict.items()}
            ) from exc
        return Response(out.MeSerializer(user).data)


# --- Catalog and courses ----------------------------------------------------------------------

CATALOG_ORDERINGS = {
    "newest": ("-first_published_at", "-id"),
    "title": ("title", "id"),
    "popular": ("-n_students", "-first_published_at", "-id"),
}


@extend_schema(parameters=[out.CatalogQuery])
class CourseList(generics.ListAPIView):
    """The catalog: published courses, as /courses/ shows them to the caller."""

    permission_classes = [AllowAny, TokenScopes]
    serializer_class = out.CourseSerializer

    @cached_property
    def filters(self) -> dict:
        query = out.CatalogQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return {"q": "", "category": "", "level": "", "price": "", "language": "", **query.validated_data}

    def cursor_ordering(self, request):
        return CATALOG_ORDERINGS[self.filters["sort"]]

    def get_queryset(self):
        return CoursePage.objects.catalog(**self.filters, viewer=Locale.get_active()).select_related("locale")


def _published_course(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live().select_related("category", "owner", "locale"), pk=course_id)


class CourseDetail(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(responses=out.CourseDetailSerializer)
    def get(self, request, course_id: int):
        """A course with its outline: for a student, which lessons they finished and which
        open later."""
        course = _published_course(course_id)
        enrollment = course_selectors.active_enrollment(user=request.user, course=course)
        completed = course_selectors.completed_lesson_ids(user=request.user, course=course) if enrollment else set()
        not_yet_open = course.not_yet_open(enrollment)
        context = {"request": request, "enrollment": enrollment, "completed": completed, "not_yet_open": not_yet_open}
        return Response(out.CourseDetailSerializer(course, context=context).data)


class Enrolment(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=None, responses={200: out.EnrolmentSerializer, 201: out.EnrolmentSerializer})
    def post(self, request, course_id: int):
        """Enrol in a free course. Enrolling again answers 200 with the same enrolment. A paid
        course answers 409: buy it on the site first."""
        course = _published_course(course_id)
        existing = course_selectors.active_enrollment(user=request.user, course=course)
        if existing:
            return Response(out.EnrolmentSerializer(existing).data)
        try:
            enrollment = course_services.course_enroll(student=request.user, course=course)
        except course_services.CourseError as exc:
            raise Refused(str(exc)) from exc
        return Response(out.EnrolmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class EnrolmentList(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.ProgressSerializer(many=True))
    def get(self, request):
        """Your courses, with how far you are in each."""
        return Response(out.ProgressSerializer(course_selectors.student_progress(user=request.user), many=True).data)


# --- Lessons ---------------------------------------------------------------------------------


def _quiz(lesson: LessonPage) -> dict | None:
    """The quiz without its answers."""
    quiz = lesson.quiz
    if quiz is None:
        return None
    value = quiz.value
    return {
        "title": value["title"],
        "pass_mark": value["pass_mark"],
        "max_attempts": value["max_attempts"],
        "required": value["required"],
        "questions": [
            {
                "number": i,
                "kind": question["kind"],
                "prompt": question["prompt"],
                "choices": [choice["text"] for choice in question["choices"]],
            }
            for i, question in enumerate(value["questions"])
        ],
    }


class LessonDetail(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(responses=out.LessonSerializer)
    def get(self, request, lesson_id: int):
        """A lesson's content, on the lesson page's own terms: enrolled, teaching, staff or a
        free preview; not before an earlier lesson when the course keeps order; not before it
        is released to you."""
        lesson, course = course_selectors.published_lesson(lesson_id)
        access = lesson.access_for(request.user, course=course)
        if not access.can_view:
            raise NotAuthenticated() if not request.user.is_authenticated else _closed(access, course)
        lessons = course.lessons()
        index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
        if access.enrollment is not None:
            access.enrollment.bookmark(lesson)
        body = lesson._meta.get_field("body")
        data = {
            "id": lesson.pk,
            "title": lesson.title,
            "course": course.pk,
            "url": request.build_absolute_uri(lesson.url),
            "duration_minutes": lesson.duration_minutes,
            "body_html": "".join(
                str(body.stream_block.child_blocks[block.block_type].render(block.value))
                for block in lesson.body
                if block.block_type != "quiz"
            ),
            "quiz": _quiz(lesson),
            "completed": lesson.pk in access.completed,
            "previous_lesson": lessons[index - 1].pk if index else None,
            "next_lesson": lessons[index + 1].pk if index + 1 < len(lessons) else None,
        }
        return Response(out.LessonSerializer(data).data)


def _closed(access, course) -> Refused:
    """Why the lesson is closed to them, in the lesson page's own words."""
    forbidden = status.HTTP_403_FORBIDDEN
    if access.blocked_by is not None:
        detail = _("Complete “%(title)s” first.") % {"title": access.blocked_by.title}
        return Refused(detail, code="lesson_blocked", status_code=forbidden)
    if access.opens_at is not None:
        detail = _("This lesson opens on %(date)s.") % {"date": when(access.opens_at)}
        return Refused(detail, code="lesson_not_released", status_code=forbidden)
    detail = _("Enrol in “%(title)s” to open this lesson.") % {"title": course.title}
    return Refused(detail, code="not_enrolled", status_code=forbidden)


class LessonCompletion(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "Completion", {"lesson": serializers.IntegerField(), "completed_at": serializers.DateTimeField()}
        ),
    )
    def post(self, request, lesson_id: int):
        """Mark a lesson done (the same rules as the lesson page's button). Twice is fine."""
        lesson, course = course_selectors.published_lesson(lesson_id)
        try:
            progress = course_services.lesson_complete(student=request.user, lesson=lesson, course=course)
        except course_services.CourseError as exc:
            raise Refused(str(exc)) from exc
        return Response({"lesson": lesson.pk, "completed_at": progress.completed_at})


class QuizAttemptCreate(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(
        request=out.QuizAnswersSerializer,
        responses={201: out.QuizAttemptSerializer},
    )
    def post(self, request, lesson_id: int):
        """Hand in answers to the lesson's quiz: graded at once (short answers the machine
        cannot accept wait for the teacher)."""
        lesson, _course = course_selectors.published_lesson(lesson_id)
        form = out.QuizAnswersSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            attempt = course_services.quiz_submit(
                student=request.user, lesson=lesson, answers=form.validated_data["answers"]
            )
        except course_services.CourseError as exc:
            raise Refused(str(exc)) from exc
        return Response(out.QuizAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


# --- Live classes ------------------------------------------------------------------------------


@extend_schema(parameters=[out.TeacherDirectoryQuery])
class TeacherDirectory(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(
        responses=inline_serializer(
            "TutorPage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": out.TutorSerializer(many=True),
            },
        )
    )
    def get(self, request):
        """The tutor directory as /teachers/ finds it: filters, "available when I am" in your
        time zone, and "recommended" with its reasons. Pages by `page` (the ranking is one
        ordered list, not a table to run a cursor over)."""
        query = out.TeacherDirectoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        form = tutor_forms.directory_form(request.query_params)
        zone = live_selectors.user_zone(request.user) if request.user.is_authenticated else ZoneInfo("UTC")
        result = tutor_selectors.directory_search(
            query=form.query(), zone=zone, page_number=query.validated_data["page"]
        )
        page = result.page

        def link(number):
            return replace_query_param(request.build_absolute_uri(), "page", number)

        context = {"request": request, "scores": result.scores}
        return Response(
            {
                "count": page.paginator.count,
                "next": link(page.next_page_number()) if page.has_next() else None,
                "previous": link(page.previous_page_number()) if page.has_previous() else None,
                "results": out.TutorSerializer(page.object_list, many=True, context=context).data,
            }
        )


class TeacherSlots(APIView):
    permission_classes = [AllowAny, TokenScopes]

    @extend_schema(parameters=[out.SlotQuery], responses=out.SlotSerializer(many=True))
    def get(self, request, slug: str):
        """The teacher's free times (UTC) in the coming days, as their booking page offers them."""
        teacher = live_selectors.bookable_teacher(slug)
        query = out.SlotQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        slots = live_selectors.teacher_free_slots(
            teacher=teacher,
            now=now,
            start=now,
            end=now + timedelta(days=query.validated_data["days"]),
            minutes=query.validated_data.get("minutes"),
        )
        return Response(out.SlotSerializer(slots, many=True).data)


class Bookings(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(
        request=out.BookingRequestSerializer,
        responses={201: out.BookingSerializer},
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, description="Retries answer the same.")],
    )
    @idempotent
    def post(self, request):
        """Ask a teacher for a one-to-one class at one of their free times. A paid lesson answers
        with `checkout_url`; the teacher is asked once the price is authorised there."""
        form = out.BookingRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            live_class = live_services.booking_request(
                student=request.user,
                teacher=live_selectors.bookable_teacher(data["teacher"]),
                start=data["start"],
                note=data.get("note", ""),
                minutes=data.get("minutes"),
                use_credit=data["use_credit"],
            )
            checkout_url = lessons.lesson_checkout_url(live_class, base_url=request.build_absolute_uri("/").rstrip("/"))
        except (BookingError, BillingError) as exc:
            raise Refused(str(exc)) from exc
        if checkout_url:  # the built-in test provider's page is on this site: a full address for apps
            checkout_url = request.build_absolute_uri(checkout_url)
        body = {"live_class": out.LiveClassSerializer(live_class, context={"request": request}).data}
        return Response({**body, "checkout_url": checkout_url}, status=status.HTTP_201_CREATED)


class ClassList(generics.ListAPIView):
    """Your classes to come (taught, booked or requested), soonest first."""

    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.LiveClassSerializer

    def cursor_ordering(self, request):
        return ("start", "id")

    def get_queryset(self):
        return live_selectors.upcoming_for(user=self.request.user)


def _class_action(request, live_class_id: int, action, form_class=None) -> Response:
    """Run one of the live services on a class the caller may see (as its page allows), with
    the fields of `form_class`, answering with the class."""
    live_class = get_object_or_404(LiveClass.objects.select_related("teacher"), pk=live_class_id)
    if not live_selectors.can_view_class(user=request.user, live_class=live_class):
        raise NotFound()
    fields = {}
    if form_class is not None:
        form = form_class(data=request.data)
        form.is_valid(raise_exception=True)
        fields = form.validated_data
    try:
        live_class = action(actor=request.user, live_class_id=live_class.pk, **fields)
    except BookingError as exc:
        raise Refused(str(exc)) from exc
    return Response(out.LiveClassSerializer(live_class, context={"request": request}).data)


class ClassCancel(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=out.ReasonSerializer, responses=out.LiveClassSerializer)
    def post(self, request, class_id: int):
        """Cancel a class or a request (the cancellation policy applies, as on the site)."""
        return _class_action(request, class_id, live_services.class_cancel, out.ReasonSerializer)


class ClassReschedule(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=out.RescheduleSerializer, responses=out.LiveClassSerializer)
    def post(self, request, class_id: int):
        """Move a class to another of the teacher's free times."""
        return _class_action(request, class_id, live_services.class_reschedule, out.RescheduleSerializer)


class ClassApprove(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=None, responses=out.LiveClassSerializer)
    def post(self, request, class_id: int):
        """The teacher confirms a request; the student gets the meeting link."""
        return _class_action(request, class_id, live_services.booking_approve)


class ClassDecline(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=out.ReasonSerializer, responses=out.LiveClassSerializer)
    def post(self, request, class_id: int):
        """The teacher declines a request, saying why."""
        return _class_action(request, class_id, live_services.booking_reject, out.ReasonSerializer)


# --- Certificates and notifications -----------------------------------------------------------


class CertificateList(generics.ListAPIView):
    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.CertificateSerializer
    pagination_class = None

    def get_queryset(self):
        return course_selectors.student_certificates(user=self.request.user)


@extend_schema(parameters=[out.NotificationQuery])
class NotificationList(generics.ListAPIView):
    """Your notifications, newest first."""

    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.NotificationSerializer

    def get_queryset(self):
        query = out.NotificationQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        notifications = lms_selectors.notifications_for(user=self.request.user)
        return notifications.filter(read_at__isnull=True) if query.validated_data["unread"] else notifications


class NotificationRead(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=None, responses=out.NotificationSerializer)
    def post(self, request, notification_id: int):
        try:
            notification = lms_services.notification_mark_read(user=request.user, notification_id=notification_id)
        except Notification.DoesNotExist as exc:
            raise NotFound() from exc
        return Response(out.NotificationSerializer(notification, context={"request": request}).data)


class NotificationPreferences(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.NotificationPreferenceSerializer(many=True))
    def get(self, request):
        """For each kind of notification: whether you also get it by email and by push."""
        preferences = lms_selectors.notification_preferences_for(user=request.user)
        return Response(out.NotificationPreferenceSerializer(preferences, many=True).data)

    @extend_schema(
        request=out.NotificationPreferenceChange(many=True),
        responses=out.NotificationPreferenceSerializer(many=True),
    )
    def patch(self, request):
        """Change some kinds (those not named keep their choices)."""
        form = out.NotificationPreferenceChange(data=request.data, many=True)
        form.is_valid(raise_exception=True)
        lms_services.notification_preferences_set(
            user=request.user,
            email_by_kind={row["kind"]: row["email"] for row in form.validated_data if "email" in row},
            push_by_kind={row["kind"]: row["push"] for row in form.validated_data if "push" in row},
        )
        return self.get(request)


# --- Web push ------------------------------------------------------------------------------------


class PushKey(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=out.PushKeySerializer)
    def get(self, request):
        """The server's VAPID public key, to subscribe a device to web push."""
        return Response({"vapid_public_key": push_services.application_server_key()})


class PushSubscriptions(generics.ListAPIView):
    """Your devices that get notifications by web push."""

    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.PushSubscriptionSerializer
    pagination_class = None

    def get_queryset(self):
        return push_selectors.devices_of(user=self.request.user)

    @extend_schema(request=out.PushSubscriptionCreate, responses={201: out.PushSubscriptionSerializer})
    def post(self, request):
        """Add a device: the subscription its push service gave it. The same endpoint again
        updates it."""
        form = out.PushSubscriptionCreate(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            subscription = push_services.subscription_save(
                user=request.user, endpoint=data["endpoint"], device=data.get("device", ""), **data["keys"]
            )
        except ValidationError as exc:  # well-formed, but not a push service or keys we can use
            raise Refused(" ".join(exc.messages), code="push_subscription_refused") from exc
        return Response(out.PushSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


class PushSubscriptionDelete(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, subscription_id: int):
        """Stop pushing to a device (do this when the app signs out)."""
        if not push_services.subscription_delete(user=request.user, subscription_id=subscription_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Conversations -------------------------------------------------------------------------------


def _conversation(request, conversation_id: int):
    conversation = chat_selectors.conversation_for(user=request.user, conversation_id=conversation_id)
    if conversation is None:  # someone else's or missing: the same answer
        raise NotFound()
    return conversation


class Conversations(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.ConversationSerializer(many=True))
    def get(self, request):
        """Your conversations, newest first, each with its last message and your unread count."""
        rows = chat_selectors.conversation_list(user=request.user)
        return Response(out.ConversationSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request=out.ConversationStart,
        responses={200: out.ConversationSerializer, 201: out.ConversationSerializer},
    )
    def post(self, request):
        """Open the conversation with a person you share a course or a class with (200 if it
        exists already)."""
        form = out.ConversationStart(data=request.data)
        form.is_valid(raise_exception=True)
        other = User.objects.filter(pk=form.validated_data["user"], is_active=True).first()
        if other is None:
            raise NotFound(_("There is nobody with that id on Lyceum."))
        existed = chat_selectors.conversation_between(user=request.user, other=other) is not None
        try:
            conversation = chat_services.conversation_start(user=request.user, other=other)
        except chat_services.ChatError as exc:
            raise Refused(str(exc), status_code=status.HTTP_403_FORBIDDEN) from exc
        row = chat_selectors.conversation_summary(user=request.user, conversation=conversation)
        body = out.ConversationSerializer(row, context={"request": request}).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class Messages(generics.ListAPIView):
    """A conversation's messages, newest first (follow `next` for older ones). New ones arrive
    live on `/ws/chat/<id>/` with a realtime ticket."""

    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.MessageSerializer

    def cursor_ordering(self, request):
        return ("-id",)

    def get_queryset(self):
        conversation = _conversation(self.request, self.kwargs["conversation_id"])
        return chat_selectors.visible_messages(user=self.request.user, conversation=conversation)

    @extend_schema(request=out.MessageCreate, responses={200: out.MessageSerializer, 201: out.MessageSerializer})
    def post(self, request, conversation_id: int):
        """Send a message (the chat's rules: rate limit, length, contact details held for
        review). With a `client_id` you sent before, answers 200 with the stored message."""
        conversation = _conversation(request, conversation_id)
        form = out.MessageCreate(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            message, created = chat_services.message_post(
                sender=request.user, conversation=conversation, **form.validated_data
            )
        except chat_services.RateLimited as exc:
            raise Refused(str(exc), code="rate_limited", status_code=status.HTTP_429_TOO_MANY_REQUESTS) from exc
        except chat_services.ChatError as exc:
            raise Refused(str(exc)) from exc
        body = out.MessageSerializer(message, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConversationRead(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(
        request=out.ReadMarker,
        responses=inline_serializer("ReadState", {"last_read_message": serializers.IntegerField()}),
    )
    def post(self, request, conversation_id: int):
        """You have read up to a message: the other person sees "Seen", your unread count drops."""
        conversation = _conversation(request, conversation_id)
        form = out.ReadMarker(data=request.data)
        form.is_valid(raise_exception=True)
        newest = chat_services.conversation_mark_read(
            user=request.user, conversation=conversation, message_id=form.validated_data["message"]
        )
        return Response({"last_read_message": newest})


# --- Personal access tokens -------------------------------------------------------------------


class TokenList(generics.ListCreateAPIView):
    permission_classes = [SignedIn, NotWithAPersonalToken]
    serializer_class = out.PersonalAccessTokenSerializer
    pagination_class = None

    def get_queryset(self):
        return PersonalAccessToken.objects.filter(user=self.request.user, revoked_at__isnull=True)

    @extend_schema(
        request=out.PersonalAccessTokenCreateSerializer, responses={201: out.NewPersonalAccessTokenSerializer}
    )
    def post(self, request):
        form = out.PersonalAccessTokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, raw = token_services.personal_token_create(user=request.user, **form.validated_data)
        token.token = raw
        return Response(out.NewPersonalAccessTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevoke(APIView):
    permission_classes = [SignedIn, NotWithAPersonalToken]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_id: int):
        token = get_object_or_404(PersonalAccessToken, pk=token_id, user=request.user)
        token_services.personal_token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RealtimeTicket(APIView):
    permission_classes = [SignedIn]

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "RealtimeTicket",
                {"ticket": serializers.CharField(), "expires_in": serializers.IntegerField(help_text="Seconds.")},
            )
        },
    )
    def post(self, request):
        """A ticket to open one WebSocket (`/ws/notifications/?ticket=…`, `/ws/chat/<id>/?ticket=…`)
        within a minute, as you: how an app gets live chat and notifications."""
        ticket = realtime.ticket_issue(user=request.user)
        return Response({"ticket": ticket, "expires_in": realtime.TICKET_SECONDS}, status=status.HTTP_201_CREATED)


# --- Payments ----------------------------------------------------------------------------------


class PaymentList(generics.ListAPIView):
    """What you paid (and what was refunded), newest first, with each receipt."""

    permission_classes = [SignedIn, TokenScopes]
    serializer_class = out.PaymentSerializer

    def get_queryset(self):
        return billing_selectors.payments_of(user=self.request.user)


class ReceiptPdf(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, number: int):
        """A receipt as a PDF: its payer's, or any for staff."""
        receipt = billing_selectors.receipt_for_viewer(user=request.user, number=number)
        if receipt is None:
            raise NotFound()
        response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.reference}.pdf"'
        return response


class CourseCheckout(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(
        request=None,
        responses={201: out.CheckoutSerializer},
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, description="Retries answer the same.")],
    )
    @idempotent
    def post(self, request, course_id: int):
        """Buy a paid course: answers the payment page to open in a browser. The course opens
        once the provider confirms the payment (a notification and the enrolment say so)."""
        course = _published_course(course_id)
        base_url = request.build_absolute_uri("/").rstrip("/")
        try:
            payment, url = billing_services.checkout_start(user=request.user, course=course.specific, base_url=base_url)
        except PaymentsNotConfigured as exc:
            raise Refused(str(exc), code="payments_off", status_code=status.HTTP_503_SERVICE_UNAVAILABLE) from exc
        except BillingError as exc:
            raise Refused(str(exc)) from exc
        body = {"payment": payment.pk, "checkout_url": request.build_absolute_uri(url)}
        return Response(body, status=status.HTTP_201_CREATED)


# --- Teaching ------------------------------------------------------------------------------------


def _taught_course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    if not course_selectors.may_teach(user=request.user, course=course):
        raise Refused(_("You do not teach this course."), code="not_teaching", status_code=status.HTTP_403_FORBIDDEN)
    return course


class Teaching(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.TeachingSerializer)
    def get(self, request):
        """Your courses with their student counts, and your live teaching so far."""
        data = {
            "courses": course_selectors.teacher_courses(user=request.user),
            **live_selectors.teacher_analytics(teacher=request.user),
        }
        return Response(out.TeachingSerializer(data).data)


class CourseStudents(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.CourseStudentSerializer(many=True))
    def get(self, request, course_id: int):
        """A course's students with their progress (its teachers and staff)."""
        rows = course_selectors.course_students(course=_taught_course(request, course_id))
        return Response(out.CourseStudentSerializer(rows, many=True).data)


class CourseAnalytics(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.CourseAnalyticsSerializer)
    def get(self, request, course_id: int):
        """Enrolments, completion and quiz pass rates, and enrolments per week (its teachers and staff)."""
        stats = course_selectors.course_stats(course=_taught_course(request, course_id))
        return Response(out.CourseAnalyticsSerializer(stats).data)


def _own_availability(request):
    """The caller's availability, made on first use; only teachers have one."""
    try:
        return live_services.availability_ensure(teacher=request.user)
    except BookingError as exc:
        raise Refused(str(exc), status_code=status.HTTP_403_FORBIDDEN) from exc


class AvailabilityView(APIView):
    """A teacher's booking settings and weekly hours (the availability page's)."""

    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(responses=out.AvailabilitySerializer)
    def get(self, request):
        return Response(out.AvailabilitySerializer(_own_availability(request)).data)

    @extend_schema(request=out.AvailabilitySerializer, responses=out.AvailabilitySerializer)
    def put(self, request):
        """Change the settings (all five fields, as the page's form)."""
        _own_availability(request)
        form = out.AvailabilitySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            availability = live_services.availability_update(teacher=request.user, **form.validated_data)
        except BookingError as exc:
            raise Refused(str(exc)) from exc
        return Response(out.AvailabilitySerializer(availability).data)


class WeeklyHoursList(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=out.WeeklyHoursSerializer, responses={201: out.WeeklyHoursSerializer})
    def post(self, request):
        """Add weekly hours (in your time zone); they may not overlap hours of that day."""
        _own_availability(request)
        form = out.WeeklyHoursSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            hours = live_services.weekly_hours_add(teacher=request.user, **form.validated_data)
        except BookingError as exc:
            raise Refused(str(exc)) from exc
        return Response(out.WeeklyHoursSerializer(hours).data, status=status.HTTP_201_CREATED)


class WeeklyHoursDelete(APIView):
    permission_classes = [SignedIn, TokenScopes]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, hours_id: int):
        try:
            live_services.weekly_hours_delete(teacher=request.user, hours_id=hours_id)
        except BookingError as exc:
            raise NotFound(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Staff: accounts (for a school's other systems) -------------------------------------------------


@extend_schema(parameters=[out.AccountQuery])
class Accounts(generics.ListAPIView):
    """Accounts, newest first (staff only), by `email` or `role`."""

    permission_classes = [StaffOnly, TokenScopes]
    serializer_class = out.AccountSerializer

    def cursor_ordering(self, request):
        return ("-date_joined", "-id")

    def get_queryset(self):
        query = out.AccountQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        accounts = User.objects.all()
        if "email" in query.validated_data:
            accounts = accounts.filter(email__iexact=query.validated_data["email"])
        if "role" in query.validated_data:
            accounts = accounts.filter(role=query.validated_data["role"])
        return accounts

    @extend_schema(request=out.AccountCreate, responses={201: out.AccountSerializer})
    def post(self, request):
        """Make a student's or a teacher's account; they are emailed and choose their password."""
        form = out.AccountCreate(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            user = lms_services.user_provision(actor=request.user, **form.validated_data)
        except ValidationError as exc:  # well-formed, but taken (or refused by the account's own rules)
            raise Refused(" ".join(exc.messages), code="account_refused") from exc
        except lms_services.ProvisioningError as exc:
            raise Refused(str(exc), status_code=status.HTTP_403_FORBIDDEN) from exc
        return Response(out.AccountSerializer(user).data, status=status.HTTP_201_CREATED)


class AccountDeactivate(APIView):
    permission_classes = [StaffOnly, TokenScopes]

    @extend_schema(request=None, responses=out.AccountSerializer)
    def post(self, request, user_id: int):
        """End an account's access at once (sessions, app and personal tokens); nothing is deleted."""
        user = get_object_or_404(User, pk=user_id)
        try:
            user = lms_services.user_deactivate(actor=request.user, user=user)
        except lms_services.ProvisioningError as exc:
            raise Refused(str(exc), status_code=status.HTTP_403_FORBIDDEN) from exc
        return Response(out.AccountSerializer(user).data)


class NoSuchEndpoint(APIView):
    """Anything else under /api/: a problem, not the site's HTML 404 page."""

    permission_classes = [AllowAny]
    schema = None

    def get(self, request, *args, **kwargs):
        raise NotFound(_("No such endpoint: see /api/v1/docs/."))

    post = put = patch = delete = get
