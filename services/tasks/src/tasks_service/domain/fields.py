"""The kinds of value a task field holds, each with its rules.

A field is declared once, on `TaskFields` (domain.model), as `declared(kind, …)`. The
declaration carries everything the other layers derive from it: the rules the domain checks
(here), the request and response schemas (entrypoints.http), the column (adapters), whether
the field travels in every event's task summary.
"""

from __future__ import annotations

import dataclasses
import json
import math
import unicodedata
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tasks_service.domain.tags import normalise_tag_names

HOURS_MAX = Decimal("999999.99")


class Invalid(ValueError):
    """A value breaks its field's rules; the messages say how."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def has_control_characters(value: str, *, multiline: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(ch).startswith("C") and ch not in allowed for ch in value)


@dataclass(frozen=True, slots=True)
class Text:
    """Unicode text, NFC-normalised and stripped; no control characters (nor NUL, nor lone
    surrogates) except line breaks and tabs in multi-line text."""

    min_length: int
    max_length: int
    multiline: bool = False

    def clean(self, value: object) -> str:
        if not isinstance(value, str):
            raise Invalid("Must be a string.")
        cleaned = unicodedata.normalize("NFC", value).strip()
        problems = []
        if len(cleaned) < self.min_length:
            problems.append(f"Must be at least {self.min_length} character(s) long.")
        if len(cleaned) > self.max_length:
            problems.append(f"Must be at most {self.max_length} characters long.")
        if has_control_characters(cleaned, multiline=self.multiline):
            problems.append("Must not contain control characters.")
        if problems:
            raise Invalid(*problems)
        return cleaned


@dataclass(frozen=True, slots=True)
class Choice:
    """One of an enumeration's values."""

    options: type[StrEnum]

    def clean(self, value: object) -> StrEnum:
        try:
            return self.options(str(value))
        except ValueError:
            raise Invalid(f"Must be one of: {', '.join(self.options)}.") from None


EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC)
"""A day's margin from the ends of the calendar, so a moment can be shown in any time zone."""


@dataclass(frozen=True, slots=True)
class Moment:
    """A date-time with a time zone, kept in UTC, between EARLIEST and LATEST."""

    def clean(self, value: object) -> datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise Invalid("Must be a date-time with a time zone.")
        try:
            in_utc = value.astimezone(UTC)
        except OverflowError:
            in_utc = None
        if in_utc is None or not EARLIEST <= in_utc <= LATEST:
            raise Invalid("Must lie between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z in UTC.")
        return in_utc


@dataclass(frozen=True, slots=True)
class Hours:
    """A duration in hours: 0 … HOURS_MAX, at most two decimal places."""

    maximum: Decimal = HOURS_MAX

    def clean(self, value: object) -> Decimal:
        try:
            hours = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
        except InvalidOperation:
            hours = Decimal("NaN")
        if not hours.is_finite():
            raise Invalid("Must be a number.")
        # Range first: quantizing a huge value would overflow the decimal context.
        if hours < 0 or hours > self.maximum:
            raise Invalid(f"Must be between 0 and {self.maximum}.")
        quantized = hours.quantize(Decimal("0.01"))
        if quantized != hours:
            raise Invalid("At most two decimal places.")
        return quantized


@dataclass(frozen=True, slots=True)
class WholeNumber:
    """An integer within a range."""

    minimum: int
    maximum: int

    def clean(self, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid("Must be an integer.")
        if not self.minimum <= value <= self.maximum:
            raise Invalid(f"Must be between {self.minimum} and {self.maximum}.")
        return value


@dataclass(frozen=True, slots=True)
class Reference:
    """The id of another object (whether it exists is the use case's check)."""

    def clean(self, value: object) -> uuid.UUID:
        if not isinstance(value, uuid.UUID):
            raise Invalid("Must be an id.")
        return value


def _json_problems(value: object, depth: int = 0) -> Iterator[str]:
    """What PostgreSQL's jsonb and JSON itself cannot hold: NUL, non-finite numbers."""
    if depth > 64:
        yield "Must be nested at most 64 levels deep."
    elif isinstance(value, str):
        if "\x00" in value:
            yield "Must not contain NUL characters."
    elif isinstance(value, float) and not math.isfinite(value):
        yield "Numbers must be finite."
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_problems(key, depth + 1)
            yield from _json_problems(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _json_problems(item, depth + 1)


@dataclass(frozen=True, slots=True)
class JsonObject:
    """Any JSON object up to `max_bytes` once serialised."""

    max_bytes: int

    def clean(self, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid("Must be a JSON object.")
        problems = sorted(set(_json_problems(value)))
        if problems:
            raise Invalid(*problems)
        try:
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            size = len(text.encode())
        except (TypeError, ValueError, UnicodeEncodeError):
            raise Invalid("Must be JSON.") from None
        if size > self.max_bytes:
            raise Invalid(f"Must be at most {self.max_bytes} bytes as JSON (is {size}).")
        return value


@dataclass(frozen=True, slots=True)
class TagNames:
    """Tag names (normalised, without duplicates in any letter case)."""

    def clean(self, value: object) -> list[str]:
        if not isinstance(value, list | tuple):
            raise Invalid("Must be a list of tag names.")
        names, problems = normalise_tag_names(value)
        if problems:
            raise Invalid(*problems)
        return names


@dataclass(frozen=True, slots=True)
class Flag:
    """A yes/no switch: JSON true or false only (not 0/1 nor "true")."""

    def clean(self, value: object) -> bool:
        if not isinstance(value, bool):
            raise Invalid("Must be true or false.")
        return value


class RecurrenceMode(StrEnum):
    FROM_DUE_DATE = "from_due_date"
    FROM_COMPLETION = "from_completion"


RULE_MAX = 500


@dataclass(frozen=True, slots=True)
class Recurrence:
    """`{"rule": "<RFC 5545 RRULE>", "mode": "from_due_date" | "from_completion"}`. Its
    shape is checked here; whether the rule reads as an RRULE, by the application (the
    parser is a library, and the domain imports none: application.recurrence)."""

    def clean(self, value: object) -> dict[str, str]:
        if not isinstance(value, dict) or set(value) != {"rule", "mode"}:
            raise Invalid('Must be {"rule": "<RRULE>", "mode": "from_due_date"|"from_completion"}.')
        rule, mode = value["rule"], value["mode"]
        if not isinstance(rule, str) or not 1 <= len(rule.strip()) <= RULE_MAX:
            raise Invalid(f"rule: must be an RRULE of 1 to {RULE_MAX} characters.")
        if has_control_characters(rule, multiline=False):
            raise Invalid("rule: must not contain control characters.")
        try:
            mode = RecurrenceMode(str(mode)).value
        except ValueError:
            raise Invalid(f"mode: must be one of: {', '.join(RecurrenceMode)}.") from None
        return {"rule": rule.strip().upper().removeprefix("RRULE:"), "mode": mode}


Kind = (
    Text
    | Choice
    | Moment
    | Hours
    | WholeNumber
    | Reference
    | JsonObject
    | TagNames
    | Flag
    | Recurrence
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    nullable: bool
    required: bool
    """Must be given to create a task and to replace one (PUT)."""
    summary: bool
    """Carried in the task summary of every `tasks.task.*` event."""
    description: str
    default: Any
    factory: Any

    def default_value(self) -> Any:
        """The value an omitted optional field takes (creation and PUT)."""
        return self.factory() if self.factory is not None else self.default

    def clean(self, value: object) -> Any:
        if value is None and self.nullable:
            return None
        if value is None:
            raise Invalid("Must not be null.")
        return self.kind.clean(value)


_SPEC = "taskhive.field"


def declared(
    kind: Kind,
    *,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
    required: bool = False,
    nullable: bool = False,
    summary: bool = False,
    description: str = "",
) -> Any:
    """A dataclass field carrying its rules (see `specs`)."""
    details = {
        "kind": kind,
        "required": required,
        "nullable": nullable,
        "summary": summary,
        "description": description,
    }
    return dataclasses.field(
        default=default, default_factory=default_factory, metadata={_SPEC: details}
    )


def specs(cls: type) -> tuple[FieldSpec, ...]:
    """The declared fields of a dataclass, in declaration order."""
    found = []
    for item in dataclasses.fields(cls):
        details = item.metadata.get(_SPEC)
        if details is None:
            continue
        factory = item.default_factory
        found.append(
            FieldSpec(
                name=item.name,
                default=None if item.default is dataclasses.MISSING else item.default,
                factory=None if factory is dataclasses.MISSING else factory,
                **details,
            )
        )
    return tuple(found)


def clean_values(
    source: object, declared_specs: Mapping[str, FieldSpec], names: Collection[str]
) -> dict[str, Any]:
    """The named fields of `source`, each cleaned by its declaration; the problems of every
    bad one together, by field name (Invalid is raised as one `ValueError` per field)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in names:
        try:
            values[name] = declared_specs[name].clean(getattr(source, name))
        except Invalid as invalid:
            errors[name] = invalid.messages
    if errors:
        raise FieldsInvalid(errors)
    return values


class FieldsInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors
