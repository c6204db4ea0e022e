"""WebSocket routes of the live app (joined in lms/routing.py, all under /ws/)."""

websocket_urlpatterns = []
