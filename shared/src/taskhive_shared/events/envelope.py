"""The integration-event envelope (CloudEvents 1.0 attribute names, DESIGN §6)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from taskhive_shared.ids import uuid7
from taskhive_shared.observability.tracing import valid_traceparent

EVENT_TYPE = re.compile(r"^(?P<source>[a-z]+)\.[a-z_]+\.[a-z_]+\.v(?P<version>[1-9][0-9]*)$")


@dataclass(frozen=True, slots=True)
class EventEnvelope:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid7)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    """W3C trace context of the span that published it (CloudEvents' distributed tracing
    extension): the consumer's span continues that trace."""

    def __post_init__(self) -> None:
        match = EVENT_TYPE.fullmatch(self.type)
        if not match:
            raise ValueError(f"event type {self.type!r} is not <producer>.<aggregate>.<event>.vN")
        if match["source"] != self.source:
            raise ValueError(f"{self.source} may not produce {self.type}")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> EventEnvelope:
        """Parse a received envelope; raises ValueError/KeyError/TypeError when malformed."""
        data = raw["data"]
        if not isinstance(data, dict):
            raise TypeError("data must be an object")
        time = datetime.fromisoformat(str(raw["time"]).replace("Z", "+00:00"))
        return cls(
            type=str(raw["type"]),
            source=str(raw["source"]),
            subject=str(raw["subject"]),
            data=data,
            id=uuid.UUID(str(raw["id"])),
            time=time,
            correlationid=raw.get("correlationid"),
            causationid=raw.get("causationid"),
            # From the outside: kept only when well-formed (a bad one never fails the event).
            traceparent=valid_traceparent(raw.get("traceparent")),
        )

    def to_dict(self) -> dict[str, Any]:
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": str(self.id),
            "type": self.type,
            "source": self.source,
            "subject": self.subject,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "correlationid": self.correlationid,
            "causationid": self.causationid,
            "datacontenttype": "application/json",
            "data": self.data,
        }
        if self.traceparent:
            envelope["traceparent"] = self.traceparent
        return envelope
