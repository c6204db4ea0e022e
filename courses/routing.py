"""WebSocket routes of the courses app (joined in lms/routing.py, all under /ws/)."""

websocket_urlpatterns = []
