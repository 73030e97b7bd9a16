"""Bearer authentication for Flask views: `current_principal()` or a 401 problem."""

from __future__ import annotations

from flask import g, request

from taskhive_shared.http.problem import ProblemError
from taskhive_shared.security.tokens import AccessTokenVerifier, InvalidAccessToken, Principal


def _unauthorized(detail: str, error: str | None = "invalid_token") -> ProblemError:
    challenge = 'Bearer realm="taskhive"'
    if error:
        challenge += f', error="{error}", error_description="{detail}"'
    return ProblemError(
        401, "Unauthorized", detail, slug="unauthorized", headers={"WWW-Authenticate": challenge}
    )


def authenticate(verifier: AccessTokenVerifier) -> Principal:
    """Verify the request's bearer token once per request and remember the principal."""
    cached: Principal | None = g.get("principal")
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer access token is required.", error=None)
    try:
        principal = verifier.verify(token.strip())
    except InvalidAccessToken as exc:
        raise _unauthorized(f"The access token is not valid: {exc}.") from exc
    g.principal = principal
    return principal
