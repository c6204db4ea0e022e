"""ASGI entry point: the `ws` process serves WebSockets under /ws/ through it.

In production the reverse proxy sends only /ws/ here (HTTP is faster under WSGI, see
docs/deploy.md); `make run` and the browser tests serve HTTP from it too, in one process.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.config.settings")
django_asgi_app = get_asgi_application()  # sets Django up before the routing imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from api.realtime import TicketOrOrigin  # noqa: E402
from lms.config.routing import websocket_urlpatterns  # noqa: E402
from lms.infra.gc_tuning import tune_for_many_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Pages: their Origin checked, then their session. Apps: a ticket from the API (api/realtime.py).
        "websocket": TicketOrOrigin(
            ticketed=URLRouter(websocket_urlpatterns),
            browser=AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        ),
    }
)

tune_for_many_sockets()  # after the app is loaded: what it loaded is never collected
