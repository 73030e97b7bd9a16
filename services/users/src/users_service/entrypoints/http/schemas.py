"""Request and response bodies of the users API (validation and the OpenAPI document)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from taskhive_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from users_service.domain.model import (
    DEFAULT_TIMEZONE,
    PERSON_NAME_MAX,
    TEAM_DESCRIPTION_MAX,
    TEAM_NAME_MAX,
    NotificationType,
    Role,
    default_notification_preferences,
)


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored or mass-assigned."""

    class Meta:
        unknown = ma.RAISE


class _StrictBoolean(ma.fields.Boolean):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        # 1 == True and hash(0) == hash(False): the truthy/falsy sets alone let 0 and 1 in.
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def strict_boolean(**kwargs: Any) -> ma.fields.Boolean:
    """JSON `true`/`false` only: no "yes", 1 or "on" sneaking in as booleans."""
    return _StrictBoolean(truthy={True}, falsy={False}, **kwargs)


def _default_preferences() -> dict[str, bool]:
    return {kind.value: enabled for kind, enabled in default_notification_preferences().items()}


def _preferences_schema(
    name: str, *, required: bool = False, with_defaults: bool = False
) -> type[ma.Schema]:
    """One boolean per notification type; `with_defaults`: an omitted type takes its default."""
    defaults = _default_preferences()
    fields: dict[str, ma.fields.Field[Any]] = {
        kind.value: strict_boolean(
            required=required,
            **({"load_default": defaults[kind.value]} if with_defaults else {}),
        )
        for kind in NotificationType
    }
    schema: type[ma.Schema] = StrictSchema.from_dict(fields, name=name)
    return schema


NotificationPreferencesSchema = _preferences_schema("NotificationPreferences", required=True)
NotificationPreferencesPatchSchema = _preferences_schema("NotificationPreferencesPatch")
NotificationPreferencesPutSchema = _preferences_schema(
    "NotificationPreferencesPut", with_defaults=True
)

_NAME = validate.Length(max=PERSON_NAME_MAX)
_TIMEZONE = validate.Length(min=1, max=64)
_TIMEZONE_DOC = {"description": "IANA time zone name, e.g. `Europe/Paris`", "example": "UTC"}


_AVAILABLE_DOC = "False while the person is away: the tasks service's auto-assignment skips them"


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
    available = ma.fields.Boolean(metadata={"description": _AVAILABLE_DOC})
    notification_preferences = ma.fields.Nested(NotificationPreferencesSchema)
    team_ids = ma.fields.List(ma.fields.UUID())
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()


PROFILE_PUT_RULES = (
    "PUT replaces the profile: `first_name` and `last_name` are required (either may be "
    "empty); every other field returns to its default when omitted: `timezone` to "
    f"`{DEFAULT_TIMEZONE}`, `notification_preferences` to every type on, and a type left out "
    "of `notification_preferences` to on, `available` to true. `role` and `is_active` "
    "(admins only) have no default: omitted, they stay as they are."
)
_ADMINS_ONLY_KEPT = "Admins only; omitted, it stays as it is"


class ProfilePutSchema(StrictSchema):
    """The body of PUT (PROFILE_PUT_RULES, the operations' description in the OpenAPI)."""

    first_name = ma.fields.String(required=True, validate=_NAME)
    last_name = ma.fields.String(required=True, validate=_NAME)
    timezone = ma.fields.String(
        load_default=DEFAULT_TIMEZONE, validate=_TIMEZONE, metadata=_TIMEZONE_DOC
    )
    notification_preferences = ma.fields.Nested(
        NotificationPreferencesPutSchema,
        load_default=_default_preferences,
        metadata={"description": "Omitted: every type on. A type left out of it: on."},
    )
    available = strict_boolean(load_default=True, metadata={"description": _AVAILABLE_DOC})
    role = ma.fields.Enum(Role, by_value=True, metadata={"description": _ADMINS_ONLY_KEPT})
    is_active = strict_boolean(metadata={"description": _ADMINS_ONLY_KEPT})


class ProfilePatchSchema(StrictSchema):
    first_name = ma.fields.String(validate=_NAME)
    last_name = ma.fields.String(validate=_NAME)
    timezone = ma.fields.String(validate=_TIMEZONE, metadata=_TIMEZONE_DOC)
    notification_preferences = ma.fields.Nested(NotificationPreferencesPatchSchema)
    available = strict_boolean(metadata={"description": _AVAILABLE_DOC})
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
