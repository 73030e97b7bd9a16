"""apispec field converters that keep the OpenAPI documents true to what is served.

A marshmallow `Decimal` that is sent as a string ("2.50") is a JSON string, not a number:
apispec would declare `type: number` with its bounds serialised as strings
(`"minimum": "0"`, invalid JSON Schema). Such fields are declared here as strings with a
decimal pattern (`BoundedDecimal` gives its exact one) and their bounds become the
`x-minimum`/`x-maximum` extensions; a Decimal sent as a number keeps numeric bounds.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from taskhive_shared.http.fields import BoundedDecimal

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def decimal2properties(
    converter: Any, field: ma.fields.Field[Any], **kwargs: Any
) -> dict[str, Any]:
    """An apispec attribute function: runs after the built-in ones and corrects their `ret`."""
    ret: dict[str, Any] = kwargs["ret"]
    if not isinstance(field, ma.fields.Decimal):
        return {}
    bounds = {key: ret.pop(key) for key in _BOUNDS if key in ret}
    if not field.as_string:
        return {key: float(value) for key, value in bounds.items()}
    updates: dict[str, Any] = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    if isinstance(field, BoundedDecimal):
        updates["pattern"] = field.pattern()
        bounds = {"minimum": field.minimum, "maximum": field.maximum}
    # JSON Schema bounds apply to numbers only; for a string they are an extension, as apispec
    # writes them for other string fields.
    updates.update({f"x-{key}": str(value) for key, value in bounds.items()})
    return updates
