"""Garbage-collector settings for the long-lived `ws` process (lms/asgi.py; the chat
bench's floor process uses the same, so both are measured alike).

The process holds every open socket's objects, and a full collection walks them all while
no socket is served: 100-300 ms at 1,000 sockets. What the app loaded at start is left out
of collections, and young objects are collected less often, so full collections are rare.
The message path leaves no reference cycles behind (see `chat.models.Message.has_attachment`),
so under chat traffic the collector has almost nothing to do (docs/chat.md).
"""

import gc


def tune_for_many_sockets() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)
