"""The app's access and refresh tokens are allauth's (its headless JWT strategy, configured in
settings): a refresh token turns into a new pair once and is then spent. This adds what OAuth's
security advice asks of rotating refresh tokens: a spent one presented again means it was
copied, so the whole sign-in it belongs to (every token of that family) is revoked."""

from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy
from allauth.headless.tokens.strategies.jwt import internal as jwt_tokens

from lms.services import audit_record


class RotatingTokenStrategy(JWTTokenStrategy):
    def refresh_token(self, refresh_token: str):
        tokens = super().refresh_token(refresh_token)
        if tokens is None:
            family_revoke_if_replayed(refresh_token)
        return tokens


def family_revoke_if_replayed(refresh_token: str) -> bool:
    """Sign out the session a genuine but already spent refresh token belongs to."""
    payload = jwt_tokens.decode_token(refresh_token, "refresh")
    if payload is None:
        return False  # forged or expired: nothing to learn from it
    session = jwt_tokens.get_token_session(payload)
    if session is None or payload["jti"] in jwt_tokens.get_refresh_token_state(session):
        return False
    user = jwt_tokens.validate_token_user(payload, session)
    session.delete()
    audit_record(actor=user, action="api.refresh_token_replayed", message="Every token of this sign-in was revoked.")
    return True
