"""The kinds of task field (domain.fields): what each accepts, how it normalises, and what
it refuses with a message rather than an exception the API would turn into a 500."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tasks_service.domain.fields import (
    HOURS_MAX,
    Choice,
    FieldSpec,
    Hours,
    Invalid,
    JsonObject,
    Moment,
    Reference,
    TagNames,
    Text,
    WholeNumber,
    specs,
)
from tasks_service.domain.model import FIELDS, TaskFields
from tasks_service.domain.workflow import Priority, Status

TITLE = Text(1, 10)
NOTE = Text(0, 10, multiline=True)


def _refused(kind, value) -> list[str]:
    with pytest.raises(Invalid) as caught:
        kind.clean(value)
    assert caught.value.messages
    return caught.value.messages


# Text


@pytest.mark.parametrize(
    ("kind", "value", "cleaned"),
    [
        (TITLE, "  padded \t", "padded"),
        (TITLE, "e\u0301" * 5, "é" * 5),  # NFC first: five characters, not ten
        (TITLE, "x" * 10, "x" * 10),
        (NOTE, "", ""),
        (NOTE, "a\nb\tc\r\nd", "a\nb\tc\r\nd"),
        (TITLE, "emoji 🐝", "emoji 🐝"),
    ],
)
def test_text_is_normalised_and_trimmed(kind: Text, value: str, cleaned: str) -> None:
    assert kind.clean(value) == cleaned


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (TITLE, "", "at least 1"),
        (TITLE, "   ", "at least 1"),
        (TITLE, "x" * 11, "at most 10"),
        (TITLE, "a\x00b", "control characters"),
        (TITLE, "line\nbreak", "control characters"),
        (NOTE, "bell\x07", "control characters"),
        (NOTE, "lone \ud800 surrogate", "control characters"),
        (TITLE, "rtl\u202eoverride", "control characters"),
        (TITLE, 42, "Must be a string"),
        (TITLE, b"bytes", "Must be a string"),
    ],
)
def test_text_refuses_empty_long_binary_and_non_strings(kind: Text, value, message: str) -> None:
    assert message in " ".join(_refused(kind, value))


def test_text_names_every_problem_at_once() -> None:
    assert len(_refused(TITLE, "\x00" * 11)) == 2


# Choice


@pytest.mark.parametrize("value", ["todo", Status.DONE, "in_review"])
def test_a_choice_takes_one_of_its_values(value) -> None:
    cleaned = Choice(Status).clean(value)
    assert cleaned is Status(str(value))


@pytest.mark.parametrize("value", ["TODO", "Done", "", "urgent", 1, None])
def test_a_choice_refuses_anything_else_and_lists_the_options(value) -> None:
    [message] = _refused(Choice(Status), value)
    assert all(status.value in message for status in Status)


def test_a_choice_belongs_to_its_own_enumeration() -> None:
    assert Choice(Priority).clean("urgent") is Priority.URGENT
    _refused(Choice(Priority), "todo")


# Moment


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        (
            datetime(2026, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        ),
        (datetime(2026, 5, 1, 12, 0, tzinfo=UTC), datetime(2026, 5, 1, 12, 0, tzinfo=UTC)),
        (
            datetime(9999, 12, 31, 0, 0, tzinfo=timezone(timedelta(hours=1))),
            datetime(9999, 12, 30, 23, 0, tzinfo=UTC),
        ),
        (
            datetime(1, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-1))),
            datetime(1, 1, 2, 0, 0, tzinfo=UTC),
        ),
    ],
)
def test_a_moment_is_kept_in_utc(value: datetime, utc: datetime) -> None:
    cleaned = Moment().clean(value)
    assert cleaned == utc
    assert cleaned.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 0, 0, tzinfo=UTC),
        datetime(1, 1, 1, 23, 59, tzinfo=UTC),
    ],
    ids=["after year 9999 in UTC", "before year 1 in UTC", "the last day", "the first day"],
)
def test_a_moment_outside_the_utc_calendar_is_refused(value: datetime) -> None:
    assert _refused(Moment(), value) == [
        "Must lie between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z in UTC."
    ]


@pytest.mark.parametrize("value", [datetime(2026, 5, 1), "2026-05-01T12:00:00Z", 1746100800])
def test_a_moment_needs_a_time_zone_aware_date_time(value) -> None:
    assert _refused(Moment(), value) == ["Must be a date-time with a time zone."]


# Hours


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        (0, Decimal("0.00")),
        (2.5, Decimal("2.50")),
        ("1.25", Decimal("1.25")),
        (Decimal("7"), Decimal("7.00")),
        (HOURS_MAX, HOURS_MAX),
        (Decimal("1.50000"), Decimal("1.50")),
    ],
)
def test_hours_are_kept_to_two_decimal_places(value, cleaned: Decimal) -> None:
    hours = Hours().clean(value)
    assert hours == cleaned
    assert hours.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.01, "Must be between 0 and"),
        (HOURS_MAX + Decimal("0.01"), "Must be between 0 and"),
        (1e26, "Must be between 0 and"),
        (Decimal("1e999999"), "Must be between 0 and"),
        (float("nan"), "Must be a number."),
        (Decimal("NaN"), "Must be a number."),
        (Decimal("sNaN"), "Must be a number."),
        (float("inf"), "Must be a number."),
        ("-Infinity", "Must be a number."),
        ("twelve", "Must be a number."),
        (True, "Must be a number."),
        (1.234, "At most two decimal places."),
        (Decimal("1e-7"), "At most two decimal places."),
    ],
)
def test_hours_refuse_what_is_not_a_small_exact_number(value, message: str) -> None:
    [found] = _refused(Hours(), value)
    assert found.startswith(message)


# WholeNumber


@pytest.mark.parametrize("value", [1, 5, 10])
def test_a_whole_number_within_its_range_is_kept(value: int) -> None:
    assert WholeNumber(1, 10).clean(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "Must be between 1 and 10."),
        (11, "Must be between 1 and 10."),
        (True, "Must be an integer."),
        (2.0, "Must be an integer."),
        ("3", "Must be an integer."),
    ],
)
def test_a_whole_number_refuses_floats_booleans_text_and_out_of_range(value, message) -> None:
    assert _refused(WholeNumber(1, 10), value) == [message]


# Reference


def test_a_reference_is_an_id() -> None:
    some = uuid.uuid4()
    assert Reference().clean(some) == some


@pytest.mark.parametrize("value", [str(uuid.UUID(int=1)), 1, uuid.UUID(int=1).bytes])
def test_a_reference_refuses_anything_but_an_id(value) -> None:
    assert _refused(Reference(), value) == ["Must be an id."]


# JsonObject


SMALL = JsonObject(64)


@pytest.mark.parametrize(
    "value",
    [{}, {"a": [1, 2.5, None, True]}, {"nested": {"deep": "é"}}, {"big": 10**30}],
)
def test_a_json_object_is_kept_as_given(value: dict) -> None:
    assert SMALL.clean(value) == value


def test_the_size_limit_counts_utf8_bytes() -> None:
    assert SMALL.clean({"k": "x" * 56}) == {"k": "x" * 56}  # {"k":"…"} is 64 bytes
    assert "at most 64 bytes" in _refused(SMALL, {"k": "é" * 29})[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "Must be a JSON object."),
        ("{}", "Must be a JSON object."),
        ({"a": "nul\x00"}, "Must not contain NUL characters."),
        ({"nul\x00key": 1}, "Must not contain NUL characters."),
        ({"a": [{"b": "\x00"}]}, "Must not contain NUL characters."),
        ({"a": math.nan}, "Numbers must be finite."),
        ({"a": [math.inf]}, "Numbers must be finite."),
        ({"a": -math.inf}, "Numbers must be finite."),
        ({"a": {1, 2}}, "Must be JSON."),
        ({"a": datetime(2026, 1, 1)}, "Must be JSON."),
    ],
)
def test_a_json_object_refuses_what_json_or_jsonb_cannot_hold(value, message: str) -> None:
    assert message in _refused(JsonObject(1024), value)


def test_json_nested_too_deep_is_refused_without_recursing_forever() -> None:
    value: dict = {}
    inner = value
    for _ in range(200):
        inner["x"] = {}
        inner = inner["x"]
    assert "Must be nested at most 64 levels deep." in _refused(JsonObject(10**6), value)


# TagNames


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ([], []),
        (["Bug", "bug", "BUG"], ["Bug"]),
        ([" ui   kit "], ["ui kit"]),
        (("a", "b"), ["a", "b"]),
        ([f"t{i}" for i in range(20)], [f"t{i}" for i in range(20)]),
        ([f"t{i % 20}" for i in range(40)], [f"t{i}" for i in range(20)]),
    ],
)
def test_tag_names_are_cleaned_and_deduplicated_in_any_letter_case(value, cleaned) -> None:
    assert TagNames().clean(value) == cleaned


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("bug", "Must be a list of tag names."),
        ({"bug": 1}, "Must be a list of tag names."),
        ([""], "1-50 characters"),
        (["x" * 51], "1-50 characters"),
        (["a,b"], "commas or control characters"),
        (["zero\u200bwidth"], "commas or control characters"),
        (["nul\x00"], "commas or control characters"),
        ([7], "Tag names are strings."),
        ([f"t{i}" for i in range(21)], "At most 20 tags."),
    ],
)
def test_tag_names_refuse_bad_names_and_too_many(value, message: str) -> None:
    assert message in " ".join(_refused(TagNames(), value))


# Field specs


def _spec(**overrides) -> FieldSpec:
    base = {
        "name": "x",
        "kind": Text(1, 5),
        "nullable": False,
        "required": False,
        "summary": False,
        "description": "",
        "default": None,
        "factory": None,
    }
    return FieldSpec(**(base | overrides))


def test_a_nullable_field_accepts_null_and_another_refuses_it() -> None:
    assert _spec(nullable=True).clean(None) is None
    assert _refused(_spec(), None) == ["Must not be null."]


def test_a_default_factory_gives_a_fresh_value_each_time() -> None:
    spec = _spec(factory=list)
    first = spec.default_value()
    first.append("changed")
    assert spec.default_value() == []


def test_task_fields_declare_the_title_required_and_the_summary_fields() -> None:
    declared = {spec.name: spec for spec in specs(TaskFields)}
    assert [name for name, spec in declared.items() if spec.required] == ["title"]
    assert {name for name, spec in declared.items() if spec.summary} == {
        "title",
        "status",
        "priority",
        "due_date",
        "story_points",
        "team_id",
        "parent_task_id",
        "tags",
    }
    assert tuple(declared.values()) == FIELDS


@pytest.mark.parametrize("spec", FIELDS, ids=[spec.name for spec in FIELDS])
def test_every_declared_default_passes_its_own_rules(spec: FieldSpec) -> None:
    if spec.required:
        _refused(spec, spec.default_value())
    else:
        assert spec.clean(spec.default_value()) == spec.default_value()
