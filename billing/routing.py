"""WebSocket routes of the billing app (joined in lms/config/routing.py, all under /ws/)."""

websocket_urlpatterns = []
