"""NIST SP 800-63B rules for memorised secrets: length, and not a known-common password."""

from __future__ import annotations

import unicodedata
from collections.abc import Container
from dataclasses import dataclass

MIN_LENGTH = 8
MAX_LENGTH = 128


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    common_passwords: Container[str]
    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH

    def problems(self, password: str, *, context: tuple[str, ...] = ()) -> list[str]:
        """Every rule the password breaks; empty when acceptable. No composition rules (NIST)."""
        # Length counts characters after normalisation, as the standard asks.
        normalised = unicodedata.normalize("NFKC", password)
        found: list[str] = []
        if len(normalised) < self.min_length:
            found.append(f"Must be at least {self.min_length} characters long.")
        if len(normalised) > self.max_length:
            found.append(f"Must be at most {self.max_length} characters long.")
        lowered = normalised.casefold()
        if lowered in self.common_passwords:
            found.append("Is too common; choose a password that is not on breach lists.")
        if any(value and lowered == value.casefold() for value in context):
            found.append("Must not be your username or email address.")
        return found
