"""Bearer authentication for Flask views: `current_principal()` or a 401 problem; an API key
also needs the scope of this service and method (403 naming the missing scope)."""

from __future__ import annotations

from flask import current_app, g, request

from taskhive_shared.http.problem import ProblemError
from taskhive_shared.security.api_keys import required_scope
from taskhive_shared.security.tokens import AccessTokenVerifier, InvalidAccessToken, Principal


def _unauthorized(detail: str, error: str | None = "invalid_token") -> ProblemError:
    challenge = 'Bearer realm="taskhive"'
    if error:
        challenge += f', error="{error}", error_description="{detail}"'
    return ProblemError(
        401, "Unauthorized", detail, slug="unauthorized", headers={"WWW-Authenticate": challenge}
    )


def lacks_scope(principal: Principal, scope: str) -> bool:
    """A session (JWT) holds every scope of its role, an API key only those it was created
    with (also for what is not Flask: hooks' live stream)."""
    return principal.scopes is not None and scope not in principal.scopes


def require_scope(principal: Principal, scope: str) -> None:
    """The one scope check of every service's views (RFC 6750 `insufficient_scope`)."""
    if not lacks_scope(principal, scope):
        return
    raise ProblemError(
        403,
        "Forbidden",
        f"This API key lacks the scope `{scope}`.",
        slug="insufficient-scope",
        headers={
            "WWW-Authenticate": f'Bearer realm="taskhive", error="insufficient_scope", '
            f'scope="{scope}"'
        },
        extensions={"missing_scope": scope},
    )


def require_session(principal: Principal) -> None:
    """For what a key must never do itself (manage keys, change passwords, log out)."""
    if principal.is_api_key:
        raise ProblemError(
            403,
            "Forbidden",
            "This operation needs a signed-in session, not an API key.",
            slug="session-required",
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
    service = current_app.config.get("TASKHIVE_SERVICE")
    if service:
        require_scope(principal, required_scope(str(service), request.method))
    g.principal = principal
    return principal
