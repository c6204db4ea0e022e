"""ASGI entry point: the `ws` process serves WebSockets under /ws/ through it.

In production the reverse proxy sends only /ws/ here (HTTP is faster under WSGI, see
docs/deploy.md); `make run` and the browser tests serve HTTP from it too, in one process.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django_asgi_app = get_asgi_application()  # sets Django up before the routing imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from lms.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# The process holds every open socket's objects, and a full garbage collection walks them
# all while no socket is served: 100-300 ms at 1,000 sockets, every few seconds under chat
# traffic, which made most of the chat's p99 (docs/chat.md). Leave what the app loaded out
# of collections and collect young objects less often, so full collections become rare.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 10)
