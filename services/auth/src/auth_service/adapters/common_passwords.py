"""The bundled list of common passwords NIST 800-63B asks us to refuse.

It is the 30,000-entry breach-derived list that ships with the `zxcvbn` package.
"""

from __future__ import annotations

from functools import cache


@cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(password.casefold() for password in FREQUENCY_LISTS["passwords"])
