"""Garbage-collector settings for the long-lived processes.

Django, Wagtail and the rest leave some 220,000 objects behind when they load, and a full
collection walks every one of them while the process serves nobody: 120-225 ms in a
`web` worker (measured in the chat bench: a teacher's announcement POST took 420 ms when
it met one), 100-300 ms in a `ws` process holding 1,000 sockets. What the app loaded is
frozen, left out of every later collection.

The `ws` process also collects young objects less often: its message path leaves no
reference cycles behind (see `chat.models.Message.has_attachment`), so under chat traffic
the collector has almost nothing to do. The chat bench's floor process uses the same
settings, so chat and floor are measured alike (docs/chat.md).
"""

import gc


def freeze_loaded_app() -> None:
    """Call once the app is loaded (in each worker process)."""
    gc.collect()
    gc.freeze()


def tune_for_many_sockets() -> None:
    freeze_loaded_app()
    gc.set_threshold(50_000, 20, 10)
