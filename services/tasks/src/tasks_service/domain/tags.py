"""Tags: short labels shared by every task, unique by name in any letter case."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tasks_service.domain.errors import ValidationFailed

TAG_NAME_MAX = 50
MAX_TAGS_PER_TASK = 20
DEFAULT_COLOUR = "#6b7280"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean_tag_name(value: object) -> tuple[str, str | None]:
    """(cleaned name, problem or None): 1-50 characters, no commas or control characters."""
    if not isinstance(value, str):
        return "", "Tag names are strings."
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not 1 <= len(name) <= TAG_NAME_MAX:
        return name, f"Tag names are 1-{TAG_NAME_MAX} characters long."
    if "," in name or any(unicodedata.category(ch).startswith("C") for ch in name):
        return name, f"Tag {name!r} may not contain commas or control characters."
    return name, None


def normalise_tag_names(values: Iterable[object]) -> tuple[list[str], list[str]]:
    """Cleaned names, duplicates (in any letter case) dropped; and the problems found."""
    names: dict[str, str] = {}
    problems: list[str] = []
    for value in values:
        name, problem = clean_tag_name(value)
        if problem:
            problems.append(problem)
        else:
            names.setdefault(name.lower(), name)
    if len(names) > MAX_TAGS_PER_TASK:
        problems.append(f"At most {MAX_TAGS_PER_TASK} tags.")
    return list(names.values()), problems


def clean_colour(value: object) -> str:
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise ValidationFailed.single("colour", "Must be a colour like #1f77b4.")
    return value.lower()


@dataclass(frozen=True, slots=True)
class Tag:
    id: uuid.UUID
    name: str
    colour: str
    created_by: uuid.UUID
    created_at: datetime

    @classmethod
    def create(
        cls, *, tag_id: uuid.UUID, name: object, colour: object, created_by: uuid.UUID, at: datetime
    ) -> Tag:
        cleaned, problem = clean_tag_name(name)
        if problem:
            raise ValidationFailed.single("name", problem)
        return cls(tag_id, cleaned, clean_colour(colour), created_by, at)
