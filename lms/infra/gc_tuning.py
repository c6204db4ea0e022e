"""Garbage-collector settings for the long-lived processes.

Django, Wagtail and the rest leave a few hundred thousand objects behind when they load,
and a full collection walks every one of them while the process serves nobody. What the
app loaded is frozen (`gc.freeze`), left out of every later collection; the `ws` process,
which holds thousands of sockets, also collects young objects less often. The figures
behind this are in docs/chat.md and bench/chat_results.md.
"""

import gc


def freeze_loaded_app() -> None:
    """Call once the app is loaded (in each worker process)."""
    gc.collect()
    gc.freeze()


def tune_for_many_sockets() -> None:
    freeze_loaded_app()
    gc.set_threshold(50_000, 20, 10)
