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
