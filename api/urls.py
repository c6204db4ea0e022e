from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/courses/", views.CourseList.as_view(), name="courses"),
    path("v1/courses/<int:course_id>/", views.CourseDetail.as_view(), name="course"),
    path("v1/courses/<int:course_id>/enrolment/", views.Enrolment.as_view(), name="enrolment"),
    path("v1/enrolments/", views.EnrolmentList.as_view(), name="enrolments"),
    path("v1/lessons/<int:lesson_id>/", views.LessonDetail.as_view(), name="lesson"),
    path("v1/lessons/<int:lesson_id>/completion/", views.LessonCompletion.as_view(), name="lesson_completion"),
    path("v1/lessons/<int:lesson_id>/quiz-attempts/", views.QuizAttemptCreate.as_view(), name="quiz_attempts"),
    path("v1/teachers/", views.TeacherDirectory.as_view(), name="teachers"),
    path("v1/teachers/<slug:slug>/slots/", views.TeacherSlots.as_view(), name="teacher_slots"),
    path("v1/bookings/", views.Bookings.as_view(), name="bookings"),
    path("v1/classes/", views.ClassList.as_view(), name="classes"),
    path("v1/classes/<int:class_id>/cancel/", views.ClassCancel.as_view(), name="class_cancel"),
    path("v1/classes/<int:class_id>/reschedule/", views.ClassReschedule.as_view(), name="class_reschedule"),
    path("v1/classes/<int:class_id>/approve/", views.ClassApprove.as_view(), name="class_approve"),
    path("v1/classes/<int:class_id>/decline/", views.ClassDecline.as_view(), name="class_decline"),
    path("v1/certificates/", views.CertificateList.as_view(), name="certificates"),
    path("v1/notifications/", views.NotificationList.as_view(), name="notifications"),
    path("v1/notifications/<int:notification_id>/read/", views.NotificationRead.as_view(), name="notification_read"),
    path("v1/notification-preferences/", views.NotificationPreferences.as_view(), name="notification_preferences"),
    path("v1/push/", views.PushKey.as_view(), name="push_key"),
    path("v1/push-subscriptions/", views.PushSubscriptions.as_view(), name="push_subscriptions"),
    path(
        "v1/push-subscriptions/<int:subscription_id>/", views.PushSubscriptionDelete.as_view(), name="push_subscription"
    ),
    path("v1/conversations/", views.Conversations.as_view(), name="conversations"),
    path("v1/conversations/<int:conversation_id>/messages/", views.Messages.as_view(), name="messages"),
    path("v1/conversations/<int:conversation_id>/read/", views.ConversationRead.as_view(), name="conversation_read"),
    path("v1/payments/", views.PaymentList.as_view(), name="payments"),
    path("v1/receipts/<int:number>/", views.ReceiptPdf.as_view(), name="receipt"),
    path("v1/courses/<int:course_id>/checkout/", views.CourseCheckout.as_view(), name="course_checkout"),
    path("v1/teaching/", views.Teaching.as_view(), name="teaching"),
    path("v1/courses/<int:course_id>/students/", views.CourseStudents.as_view(), name="course_students"),
    path("v1/courses/<int:course_id>/analytics/", views.CourseAnalytics.as_view(), name="course_analytics"),
    path("v1/availability/", views.AvailabilityView.as_view(), name="availability"),
    path("v1/availability/hours/", views.WeeklyHoursList.as_view(), name="weekly_hours"),
    path("v1/availability/hours/<int:hours_id>/", views.WeeklyHoursDelete.as_view(), name="weekly_hours_delete"),
    path("v1/users/", views.Accounts.as_view(), name="users"),
    path("v1/users/<int:user_id>/deactivate/", views.AccountDeactivate.as_view(), name="user_deactivate"),
    path("v1/realtime/ticket/", views.RealtimeTicket.as_view(), name="realtime_ticket"),
    path("v1/tokens/", views.TokenList.as_view(), name="tokens"),
    path("v1/tokens/<int:token_id>/", views.TokenRevoke.as_view(), name="token"),
    re_path(r"^.*$", views.NoSuchEndpoint.as_view()),
]
