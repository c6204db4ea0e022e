"""WebSocket routes of the live app: none of its own — booking events ride on the shared
page socket (`/ws/notifications/`, see lms/infra/realtime.py)."""

websocket_urlpatterns = []
