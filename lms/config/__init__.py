"""The project's wiring: settings, URLs, the ASGI/WSGI entry points and the WebSocket routes.
The only part of lms that imports the feature apps (courses, live, billing, chat)."""
