"""Background tasks of the board, run by the django-q2 worker."""

from board import services


def request_match(post_id: int) -> str:
    """Tell the best-matched tutors about a new request (each once, however often it runs)."""
    return f"notified {len(services.request_match(post_id=post_id))}"


def posts_expire() -> str:
    """Hourly, from the `board.posts_expire` Schedule."""
    return f"expired {services.posts_expire()}"
