"""Task templates: a title and description with `{placeholders}`, default priority, tags
and estimate. Instantiating one renders the texts with the caller's variables.

Placeholders are `{name}` (letters, digits, underscore; not starting with a digit); `{{` and
`}}` are literal braces. Anything else in braces is refused when the template is saved, so
rendering can only fail for a missing variable.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tasks_service.domain.errors import ValidationFailed
from tasks_service.domain.fields import (
    Choice,
    FieldsInvalid,
    FieldSpec,
    Hours,
    TagNames,
    Text,
    clean_values,
    declared,
    specs,
)
from tasks_service.domain.model import DESCRIPTION_MAX, TITLE_MAX, Priority

NAME_MAX = 100
VARIABLE_MAX = 1000
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|[{}]")


def placeholders(text: str) -> list[str]:
    """The variables a text uses, in order of first use; ValueError on a stray brace."""
    names: dict[str, None] = {}
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise ValueError(f"stray {token!r} at position {match.start()}")
        names.setdefault(match.group(1))
    return list(names)


def render(text: str, variables: Mapping[str, str]) -> str:
    """Substitute every placeholder; KeyError names the first missing variable."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None:
            return token
        return variables[name]

    return _TOKEN.sub(substitute, text)


def _check_placeholders(errors: dict[str, list[str]], name: str, text: str) -> None:
    try:
        placeholders(text)
    except ValueError as exc:
        errors.setdefault(name, []).append(
            f"Placeholders are {{name}}; write {{{{ and }}}} for braces ({exc})."
        )


@dataclass(kw_only=True, slots=True)
class TemplateFields:
    """What a client sets on a template, each field declared once (as on TaskFields)."""

    name: str = declared(Text(1, NAME_MAX), default="", required=True)
    title: str = declared(
        Text(1, TITLE_MAX),
        default="",
        required=True,
        description="With `{placeholders}`; `{{`/`}}` for literal braces",
    )
    description: str = declared(Text(0, DESCRIPTION_MAX, multiline=True), default="")
    priority: Priority = declared(Choice(Priority), default=Priority.MEDIUM)
    tags: list[str] = declared(TagNames(), default_factory=list)
    estimated_hours: Decimal | None = declared(
        Hours(), default=None, nullable=True, description="Hours, ≥ 0, two decimal places"
    )


TEMPLATE_FIELDS: tuple[FieldSpec, ...] = specs(TemplateFields)
TEMPLATE_EDITABLE = tuple(spec.name for spec in TEMPLATE_FIELDS)
_SPECS = {spec.name: spec for spec in TEMPLATE_FIELDS}


def _clean(fields: TemplateFields, names: Collection[str]) -> dict[str, Any]:
    """The named fields, normalised, the texts' placeholders checked; every problem named."""
    try:
        values = clean_values(fields, _SPECS, names)
    except FieldsInvalid as invalid:
        raise ValidationFailed(invalid.errors) from None
    errors: dict[str, list[str]] = {}
    for name in ("title", "description"):
        if name in values:
            _check_placeholders(errors, name, values[name])
    if errors:
        raise ValidationFailed(errors)
    return values


@dataclass(kw_only=True, slots=True)
class TaskTemplate(TemplateFields):
    id: uuid.UUID
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1
    variables: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.variables = self._variables()

    def _variables(self) -> list[str]:
        try:
            return list(dict.fromkeys(placeholders(self.title) + placeholders(self.description)))
        except ValueError:
            return []

    @classmethod
    def create(
        cls,
        *,
        template_id: uuid.UUID,
        fields: TemplateFields,
        created_by: uuid.UUID,
        at: datetime,
    ) -> TaskTemplate:
        values = _clean(fields, TEMPLATE_EDITABLE)
        return cls(id=template_id, created_by=created_by, created_at=at, updated_at=at, **values)

    def update(self, fields: TemplateFields, names: Collection[str], at: datetime) -> bool:
        """Set the named fields; False when nothing changed."""
        values = _clean(fields, names)
        changed = {k: v for k, v in values.items() if getattr(self, k) != v}
        if not changed:
            return False
        for key, value in changed.items():
            setattr(self, key, value)
        self.variables = self._variables()
        self.updated_at = at
        self.version += 1
        return True

    def render(self, variables: Mapping[str, object]) -> tuple[str, str]:
        """(title, description) with the variables substituted; ValidationFailed names every
        missing or non-text variable, and a title that grows beyond its limit."""
        errors: dict[str, list[str]] = {}
        texts: dict[str, str] = {}
        for key, value in variables.items():
            if not isinstance(value, str) or len(value) > VARIABLE_MAX:
                errors.setdefault(f"variables.{key}", []).append(
                    f"Must be a string of at most {VARIABLE_MAX} characters."
                )
            else:
                texts[key] = value
        missing = [name for name in self.variables if name not in variables]
        if missing:
            errors.setdefault("variables", []).append(f"Missing: {', '.join(missing)}.")
        if errors:
            raise ValidationFailed(errors)
        title = render(self.title, texts)
        description = render(self.description, texts)
        if not 1 <= len(title.strip()) <= TITLE_MAX:
            errors["variables"] = [f"The rendered title must be 1-{TITLE_MAX} characters long."]
        if len(description) > DESCRIPTION_MAX:
            errors["variables"] = [
                f"The rendered description must be at most {DESCRIPTION_MAX} characters long."
            ]
        if errors:
            raise ValidationFailed(errors)
        return title, description
