"""Task templates: a title and description with `{placeholders}`, default priority, tags
and estimate. Instantiating one renders the texts with the caller's variables.

Placeholders are `{name}` (letters, digits, underscore; not starting with a digit); `{{` and
`}}` are literal braces. Anything else in braces is refused when the template is saved, so
rendering can only fail for a missing variable.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tasks_service.domain.errors import ValidationFailed
from tasks_service.domain.fields import Choice, Hours, Invalid, Kind, TagNames, Text
from tasks_service.domain.model import DESCRIPTION_MAX, TITLE_MAX, Priority

NAME_MAX = 100
VARIABLE_MAX = 1000
_KINDS: dict[str, Kind] = {
    "name": Text(1, NAME_MAX),
    "title": Text(1, TITLE_MAX),
    "description": Text(0, DESCRIPTION_MAX, multiline=True),
    "priority": Choice(Priority),
    "tags": TagNames(),
    "estimated_hours": Hours(),
}
_NULLABLE = frozenset({"estimated_hours"})
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


@dataclass(slots=True)
class TaskTemplate:
    id: uuid.UUID
    name: str
    title: str
    description: str
    priority: Priority
    tags: list[str]
    estimated_hours: Decimal | None
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

    @staticmethod
    def clean(values: Mapping[str, object]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        cleaned: dict[str, Any] = {}
        for key, value in values.items():
            kind = _KINDS.get(key)
            if kind is None:
                errors.setdefault(key, []).append("Not a field that can be set.")
                continue
            if value is None and key in _NULLABLE:
                cleaned[key] = None
                continue
            try:
                cleaned[key] = kind.clean(value)
            except Invalid as invalid:
                errors.setdefault(key, []).extend(invalid.messages)
                continue
            if key in ("title", "description"):
                _check_placeholders(errors, key, cleaned[key])
        if errors:
            raise ValidationFailed(errors)
        return cleaned

    @classmethod
    def create(
        cls,
        *,
        template_id: uuid.UUID,
        values: Mapping[str, object],
        created_by: uuid.UUID,
        at: datetime,
    ) -> TaskTemplate:
        missing = [key for key in ("name", "title") if key not in values]
        if missing:
            raise ValidationFailed({key: ["Missing data for required field."] for key in missing})
        cleaned = cls.clean(values)
        return cls(
            id=template_id,
            name=cleaned["name"],
            title=cleaned["title"],
            description=cleaned.get("description", ""),
            priority=cleaned.get("priority", Priority.MEDIUM),
            tags=cleaned.get("tags", []),
            estimated_hours=cleaned.get("estimated_hours"),
            created_by=created_by,
            created_at=at,
            updated_at=at,
        )

    def update(self, values: Mapping[str, object], at: datetime) -> bool:
        cleaned = self.clean(values)
        changed = {k: v for k, v in cleaned.items() if getattr(self, k) != v}
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
