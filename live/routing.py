"""WebSocket routes of the live app (joined in lms/routing.py, all under /ws/)."""

from django.urls import path

from live import consumers

websocket_urlpatterns = [path("ws/live/", consumers.LiveConsumer.as_asgi())]
