"""Every WebSocket route of the site, joined here once; each app keeps its own list."""

from django.urls import path

import billing.routing
import chat.routing
import courses.routing
import live.routing
from lms import consumers

websocket_urlpatterns = [
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
    *courses.routing.websocket_urlpatterns,
    *live.routing.websocket_urlpatterns,
    *billing.routing.websocket_urlpatterns,
    *chat.routing.websocket_urlpatterns,
]
