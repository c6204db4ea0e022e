"""What the page socket (`/ws/notifications/`, one per open page) carries for the apps.

Every page of a signed-in user keeps one WebSocket open. The core sends the bell's
unread count on it. An app registers, in its AppConfig.ready(), a per-user group the
page socket joins, and wraps each event for open pages in `page_event`:

    realtime.register(group=lambda user_id: f"live-user-{user_id}")
    layer.group_send(f"live-user-{user_id}", realtime.page_event({"type": "live.booking", ...}))

The page socket sends the payload to the browser unchanged (one handler, `page_event`),
and static/js/lyceum.js re-dispatches every message it receives as a `lyceum:socket` DOM
event, so an app's script listens for its own types without opening a socket of its own.
"""

from collections.abc import Callable

_groups: list[Callable[[int], str]] = []
_topics: dict[str, Callable[[object, str], bool]] = {}
MAX_TOPICS = 5  # a page follows one or two; more is a client asking for too much


def register(*, group: Callable[[int], str]) -> None:
    if group not in _groups:
        _groups.append(group)


def user_groups(user_id: int) -> list[str]:
    return [f"user-{user_id}", *(group(user_id) for group in _groups)]


def page_event(payload: dict) -> dict:
    """The channel-layer event that brings `payload` (a dict with its own "type", e.g.
    "live.booking") to the user's open pages as it is."""
    return {"type": "page.event", "payload": payload}


def register_topic(prefix: str, *, may_join: Callable[[object, str], bool]) -> None:
    _topics[prefix] = may_join


def topic_group(prefix: str, key) -> str:
    return f"topic-{prefix}-{key}"


def topic_groups(user, topics: list[str]) -> tuple[list[str], list[str]]:
    """(groups `user` may join, topics refused) for the `prefix:key` topics a page asked for.
    Runs the apps' checks, which read the database: call it from sync code."""
    allowed, refused = [], []
    for topic in topics[:MAX_TOPICS]:
        prefix, _, key = topic.partition(":")
        may_join = _topics.get(prefix)
        if may_join is not None and key.isdigit() and may_join(user, key):
            allowed.append(topic_group(prefix, key))
        else:
            refused.append(topic)
    return allowed, refused + topics[MAX_TOPICS:]
