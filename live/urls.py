from django.urls import path

from live import views

app_name = "live"

urlpatterns = [
    path("", views.my_classes, name="my_classes"),
    path("requests/", views.pending_requests, name="pending_requests"),
    path("upcoming/", views.upcoming_panel, name="upcoming_panel"),
    path("nav-badge/", views.nav_badge, name="nav_badge"),
    path("availability/", views.availability_edit, name="availability"),
    path("availability/hours/", views.weekly_hours_add, name="hours_add"),
    path("availability/hours/<int:hours_id>/delete/", views.weekly_hours_delete, name="hours_delete"),
    path("availability/dates/", views.date_exception_add, name="exception_add"),
    path("availability/dates/<int:exception_id>/delete/", views.date_exception_delete, name="exception_delete"),
    path("teachers/<slug:slug>/", views.booking_widget, name="booking_widget"),
    path("teachers/<slug:slug>/book/", views.booking_request, name="book"),
    path("classes/<int:class_id>/", views.class_detail, name="class_detail"),
    path("classes/<int:class_id>/card/", views.class_card, name="class_card"),
    path("classes/<int:class_id>/approve/", views.booking_approve, name="approve"),
    path("classes/<int:class_id>/reject/", views.booking_reject, name="reject"),
    path("classes/<int:class_id>/cancel/", views.class_cancel, name="cancel"),
    path("classes/<int:class_id>/reschedule/", views.class_reschedule, name="reschedule"),
    path("classes/<int:class_id>/join/", views.class_join, name="join"),
    path("classes/<int:class_id>/attendance/", views.attendance_mark, name="attendance"),
    path("classes/<int:class_id>/recording/", views.recording_set, name="recording"),
    path("classes/<int:class_id>/dispute/", views.dispute_raise, name="dispute"),
    path("classes/<int:class_id>/invite.ics", views.class_ics, name="class_ics"),
    path("classes/<int:class_id>/register/", views.group_register, name="group_register"),
    path("classes/<int:class_id>/leave/", views.group_leave, name="group_leave"),
    path("courses/<int:course_id>/schedule/", views.group_class_create, name="group_create"),
    path("settings/", views.live_settings, name="settings"),
    path("settings/feed/rotate/", views.feed_rotate, name="feed_rotate"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
]
