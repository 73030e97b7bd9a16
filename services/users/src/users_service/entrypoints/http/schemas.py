"""Request and response bodies of the users API (validation and the OpenAPI document)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from taskhive_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from users_service.domain.model import (
    PERSON_NAME_MAX,
    TEAM_DESCRIPTION_MAX,
    TEAM_NAME_MAX,
    NotificationType,
    Role,
)


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored or mass-assigned."""

    class Meta:
        unknown = ma.RAISE


def strict_boolean(**kwargs: Any) -> ma.fields.Boolean:
    """JSON `true`/`false` only: no "yes", 1 or "on" sneaking in as booleans."""
    return ma.fields.Boolean(truthy={True}, falsy={False}, **kwargs)


def _preferences_schema(name: str, *, required: bool) -> type[ma.Schema]:
    fields: dict[str, ma.fields.Field[Any]] = {
        kind.value: strict_boolean(required=required) for kind in NotificationType
    }
    schema: type[ma.Schema] = StrictSchema.from_dict(fields, name=name)
    return schema


NotificationPreferencesSchema = _preferences_schema("NotificationPreferences", required=True)
NotificationPreferencesPatchSchema = _preferences_schema(
    "NotificationPreferencesPatch", required=False
)

_NAME = validate.Length(max=PERSON_NAME_MAX)
_TIMEZONE = validate.Length(min=1, max=64)
_TIMEZONE_DOC = {"description": "IANA time zone name, e.g. `Europe/Paris`", "example": "UTC"}


class ProfileSchema(ma.Schema):
    id = ma.fields.UUID()
    username = ma.fields.String()
    email = ma.fields.String(
        allow_none=True,
        metadata={"description": "Only for the user themself, managers and admins; else null"},
    )
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.String(metadata={"enum": [role.value for role in Role]})
    is_active = ma.fields.Boolean()
    timezone = ma.fields.String()
    notification_preferences = ma.fields.Nested(NotificationPreferencesSchema)
    team_ids = ma.fields.List(ma.fields.UUID())
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()


class ProfilePutSchema(StrictSchema):
    """Every field a user edits on their own profile; `role`, `is_active` for admins only."""

    first_name = ma.fields.String(required=True, validate=_NAME)
    last_name = ma.fields.String(required=True, validate=_NAME)
    timezone = ma.fields.String(required=True, validate=_TIMEZONE, metadata=_TIMEZONE_DOC)
    notification_preferences = ma.fields.Nested(NotificationPreferencesSchema, required=True)
    role = ma.fields.Enum(Role, by_value=True, metadata={"description": "Admins only"})
    is_active = strict_boolean(metadata={"description": "Admins only"})


class ProfilePatchSchema(StrictSchema):
    first_name = ma.fields.String(validate=_NAME)
    last_name = ma.fields.String(validate=_NAME)
    timezone = ma.fields.String(validate=_TIMEZONE, metadata=_TIMEZONE_DOC)
    notification_preferences = ma.fields.Nested(NotificationPreferencesPatchSchema)
    role = ma.fields.Enum(Role, by_value=True, metadata={"description": "Admins only"})
    is_active = strict_boolean(metadata={"description": "Admins only"})


class PageQuerySchema(StrictSchema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    cursor = ma.fields.String(
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "Opaque: the `next_cursor` of the previous page"},
    )
    q = ma.fields.String(validate=validate.Length(max=100))


class UserListQuerySchema(PageQuerySchema):
    role = ma.fields.Enum(Role, by_value=True)
    is_active = ma.fields.Boolean(truthy={"true"}, falsy={"false"})
    team = ma.fields.UUID(metadata={"description": "Only members of this team"})


class UserPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ProfileSchema))
    next_cursor = ma.fields.String(allow_none=True)


class MemberSchema(ma.Schema):
    id = ma.fields.UUID()
    username = ma.fields.String(allow_none=True)
    added_at = ma.fields.DateTime()


class TeamSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    description = ma.fields.String()
    created_by = ma.fields.UUID()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()
    member_ids = ma.fields.List(ma.fields.UUID())
    members = ma.fields.List(ma.fields.Nested(MemberSchema))


class TeamCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=TEAM_NAME_MAX))
    description = ma.fields.String(
        load_default="", validate=validate.Length(max=TEAM_DESCRIPTION_MAX)
    )


class TeamPatchSchema(StrictSchema):
    name = ma.fields.String(validate=validate.Length(min=1, max=TEAM_NAME_MAX))
    description = ma.fields.String(validate=validate.Length(max=TEAM_DESCRIPTION_MAX))


class TeamListQuerySchema(PageQuerySchema):
    member = ma.fields.UUID(metadata={"description": "Only teams this user belongs to"})


class TeamPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TeamSchema))
    next_cursor = ma.fields.String(allow_none=True)


class AddMemberSchema(StrictSchema):
    user_id = ma.fields.UUID(required=True)
