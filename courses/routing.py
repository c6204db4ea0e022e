"""WebSocket routes of the courses app (joined in lms/config/routing.py, all under /ws/)."""

websocket_urlpatterns = []
