"""Request and response bodies of the auth API (validation and the OpenAPI document)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored or mass-assigned."""

    class Meta:
        unknown = ma.RAISE


class RegisterSchema(StrictSchema):
    email = ma.fields.String(required=True, validate=validate.Length(min=3, max=254))
    username = ma.fields.String(required=True, validate=validate.Length(min=3, max=32))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    first_name = ma.fields.String(load_default="", validate=validate.Length(max=100))
    last_name = ma.fields.String(load_default="", validate=validate.Length(max=100))


class LoginSchema(StrictSchema):
    username = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Username or email address"},
    )
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class RefreshSchema(StrictSchema):
    refresh_token = ma.fields.String(required=True, validate=validate.Length(min=1, max=512))


class LogoutSchema(RefreshSchema):
    pass


class ChangePasswordSchema(StrictSchema):
    current_password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(max=1024)
    )
    new_password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(max=1024)
    )


class UserSchema(ma.Schema):
    id = ma.fields.UUID()
    email = ma.fields.String()
    username = ma.fields.String()
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    role = ma.fields.String()


class TokensSchema(ma.Schema):
    user = ma.fields.Nested(UserSchema)
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"description": "Always `Bearer`"})
    expires_in = ma.fields.Integer(metadata={"description": "Access-token lifetime in seconds"})


class JwkSchema(ma.Schema):
    """An RSA public key (RFC 7517); a JWK may carry further members, which clients ignore."""

    class Meta:
        unknown = ma.INCLUDE

    kty = ma.fields.String()
    kid = ma.fields.String()
    use = ma.fields.String()
    alg = ma.fields.String()
    key_ops = ma.fields.List(ma.fields.String(), metadata={"example": ["verify"]})
    n = ma.fields.String()
    e = ma.fields.String()


class JwksSchema(ma.Schema):
    keys = ma.fields.List(ma.fields.Nested(JwkSchema))


class CreateApiKeySchema(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = ma.fields.List(
        ma.fields.String(validate=validate.Length(max=40)),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"example": ["tasks:read", "tasks:write"]},
    )
    expires_in_days = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=365)
    )


class ApiKeySchema(ma.Schema):
    id = ma.fields.UUID()
    user_id = ma.fields.UUID()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "First characters of the key"})
    scopes = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    revoked_at = ma.fields.DateTime(allow_none=True)
    last_used_at = ma.fields.DateTime(allow_none=True)


class CreatedApiKeySchema(ApiKeySchema):
    key = ma.fields.String(metadata={"description": "The key itself: shown this once only"})


class ApiKeyPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ApiKeySchema))
    next_cursor = ma.fields.String(allow_none=True)


class ApiKeyQuerySchema(StrictSchema):
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = ma.fields.String(validate=validate.Length(max=200))
    user_id = ma.fields.UUID(metadata={"description": "Admins: the keys of this user"})
    all = ma.fields.Boolean(
        load_default=False, metadata={"description": "Admins: every user's keys"}
    )
