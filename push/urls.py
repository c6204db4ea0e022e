from django.urls import path

from push import views

urlpatterns = [
    path("subscriptions/", views.subscribe, name="push_subscribe"),
    path("subscriptions/remove/", views.unsubscribe, name="push_unsubscribe"),
]
