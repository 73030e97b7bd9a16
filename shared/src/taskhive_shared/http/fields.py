"""Range-checked marshmallow fields (DESIGN §5: ranges checked for decimals and dates).

`BoundedDecimal` refuses non-finite and out-of-range values *before* anything quantizes
them (a Decimal of 1e26 cannot be quantized to cents in the default context), and
`AwareDateTime` refuses date-times whose UTC form Python cannot represent, or that could not
be shown in every time zone (0001-01-01T00:00:00+01:00 is 31 December of year 0 in UTC).
"""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import marshmallow as ma

EARLIEST_UTC = datetime(1, 1, 2, tzinfo=UTC)
LATEST_UTC = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
"""A day inside Python's range on each side: the value can be shown in any time zone."""


class BoundedDecimal(ma.fields.Decimal):
    """A decimal between `minimum` and `maximum` with at most `places` decimal places.

    Accepts a JSON number or a decimal string; answers a string ("2.50") by default. The
    OpenAPI document declares it as a string with a pattern (see `openapi.py`).
    """

    default_error_messages = {
        "range": "Must be between {minimum} and {maximum}.",
        "places": "At most {places} decimal places.",
        "special": "Must be a finite number.",
    }

    def __init__(
        self,
        *,
        maximum: Decimal,
        minimum: Decimal = Decimal(0),
        places: int = 2,
        as_string: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(places=None, as_string=as_string, allow_nan=False, **kwargs)
        self.minimum = minimum
        self.maximum = maximum
        self.decimal_places = places

    def _validated(self, value: Any) -> Decimal:
        if value is True or value is False or not isinstance(value, int | float | str | Decimal):
            raise self.make_error("invalid")
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except (decimal.InvalidOperation, ValueError, TypeError) as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("special")
        if not self.minimum <= number <= self.maximum:
            raise self.make_error("range", minimum=self.minimum, maximum=self.maximum)
        step = Decimal(1).scaleb(-self.decimal_places)
        # In range, so a context as precise as the bound's digits quantizes exactly.
        context = decimal.Context(prec=len(self.maximum.as_tuple().digits) + self.decimal_places)
        quantized = number.quantize(step, context=context)
        if quantized != number:
            raise self.make_error("places", places=self.decimal_places)
        return quantized

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if self.as_string and number.is_finite():
            return format(number, "f")
        return super()._serialize(number, attr, obj, **kwargs)

    def pattern(self) -> str:
        """The strings it accepts and serves, as a regular expression (for the OpenAPI)."""
        whole = len(str(int(max(abs(self.minimum), abs(self.maximum)))))
        sign = "-?" if self.minimum < 0 else ""
        fraction = f"(\\.[0-9]{{1,{self.decimal_places}}})?" if self.decimal_places else ""
        return f"^{sign}[0-9]{{1,{whole}}}{fraction}$"


class AwareDateTime(ma.fields.AwareDateTime):
    """An RFC 3339 date-time with an offset whose UTC form lies within `EARLIEST_UTC` and
    `LATEST_UTC`. Loaded as given (offset kept)."""

    default_error_messages = {
        "range": "Must lie between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z in UTC.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        loaded: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = loaded.astimezone(UTC)
        except OverflowError as exc:
            raise self.make_error("range") from exc
        if not EARLIEST_UTC <= in_utc <= LATEST_UTC:
            raise self.make_error("range")
        return loaded
