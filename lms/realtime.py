"""What the page socket (`/ws/notifications/`, one per open page) carries for the apps.

Every page of a signed-in user keeps one WebSocket open. The core sends the bell's
unread count on it; apps register, in their AppConfig.ready(), a per-user group they
send to and the event types to forward to the page unchanged:

    realtime.register(group=lambda user_id: f"live-user-{user_id}", event_types={"live.booking"})

static/js/lyceum.js re-dispatches every message it receives as a `lyceum:socket` DOM event,
so an app's script listens for its own types without opening a socket of its own.
"""

from collections.abc import Callable, Iterable

_groups: list[Callable[[int], str]] = []
_event_types: set[str] = set()


def register(*, group: Callable[[int], str], event_types: Iterable[str]) -> None:
    if group not in _groups:
        _groups.append(group)
    _event_types.update(event_types)


def user_groups(user_id: int) -> list[str]:
    return [f"user-{user_id}", *(group(user_id) for group in _groups)]


def is_forwarded(event_type: str) -> bool:
    return event_type in _event_types
