"""WebSocket routes of the chat app (joined in lms/routing.py, all under /ws/)."""

websocket_urlpatterns = []
