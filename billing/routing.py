"""WebSocket routes of the billing app (joined in lms/routing.py, all under /ws/)."""

websocket_urlpatterns = []
