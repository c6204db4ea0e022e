"""What the board adds to pages it does not own (lms.infra.panels slots)."""


def nav(request) -> dict | None:
    return {} if request.user.is_authenticated else None
