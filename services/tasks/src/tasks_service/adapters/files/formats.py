"""Export and import file formats: CSV and JSON, the API's field names and values.

CSV: one column per field of the task representation; lists and objects (tags, assignee_ids,
assignees, metadata, recurrence, sla) as JSON text in their cell; a cell that a spreadsheet
would run as a formula (starting with = + - @, tab or carriage return) is prefixed with `'`
(OWASP's advice), and the import removes that prefix again. JSON: an array of task objects,
as the API serves them.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

import orjson

from taskhive_shared.http.input import parse_bounded_json
from taskhive_shared.http.problem import ProblemError
from tasks_service.adapters.persistence.task_sql import FIELD_NAMES
from tasks_service.application.file_jobs import ParsedRow
from tasks_service.application.ports import RawJson
from tasks_service.domain.fields import Flag, JsonObject, Recurrence, TagNames, WholeNumber
from tasks_service.domain.file_jobs import FileFormat, ImportFileInvalid
from tasks_service.domain.model import FIELDS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_KINDS = {spec.name: spec.kind for spec in FIELDS}
IMPORTED = frozenset(_KINDS) | {"assignee_ids"}
"""Columns an import takes; the read-only ones of an export (id, version …) are ignored."""
IGNORED = frozenset(FIELD_NAMES) - IMPORTED
"""Every other field of the task representation (the read side's columns): served, read-only."""
_LISTS = frozenset({"assignee_ids", "allowed_transitions"})


def _json_default(value: Any) -> Any:
    if isinstance(value, RawJson):
        return orjson.Fragment(str(value))
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_PASSTHROUGH_SUBCLASS)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, list | tuple | dict | RawJson):
        text = _dumps(list(value) if isinstance(value, tuple) else value).decode()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_rows(fmt: FileFormat, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    return _render_csv(rows) if fmt is FileFormat.CSV else _render_json(rows)


def _render_csv(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns: list[str] | None = None
    for row in rows:
        if columns is None:
            columns = list(row)
            writer.writerow(columns)
        writer.writerow([csv_cell(row.get(name)) for name in columns])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if columns is None:
        writer.writerow(["id", "title"])  # an empty export still names its columns
    yield buffer.getvalue().encode()


def _render_json(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    yield b"["
    first = True
    for row in rows:
        yield (b"\n" if first else b",\n") + _dumps(row)
        first = False
    yield b"\n]\n"


# --- import ---


def parse_rows(fmt: FileFormat, stream: IO[bytes]) -> Iterator[ParsedRow]:
    text = _checked_text(stream)
    return _parse_csv(text) if fmt is FileFormat.CSV else _parse_json(text)


def _checked_text(stream: IO[bytes]) -> Iterator[str]:
    """UTF-8 (an optional BOM dropped) decoded in chunks; NUL or invalid bytes refuse the file."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    offset = 0
    while True:
        chunk = stream.read(64 * 1024)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise ImportFileInvalid(
                f"The file is not UTF-8 text (bad byte near offset {offset + exc.start})."
            ) from exc
        if "\x00" in text:
            raise ImportFileInvalid("The file contains NUL characters.")
        offset += len(chunk)
        if text:
            yield text
        if not chunk:
            return


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """Text chunks → lines ending in \n, as the csv module reads them (constant memory)."""
    pending = ""
    for chunk in chunks:
        parts = (pending + chunk).split("\n")
        pending = parts.pop()
        for part in parts:
            yield part + "\n"
    if pending:
        yield pending


def _parse_csv(text: Iterator[str]) -> Iterator[ParsedRow]:
    csv.field_size_limit(1_000_000)
    reader = csv.reader(_lines(text), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(name.strip() for name in header):
            raise ImportFileInvalid("The CSV file has no header row.")
        names = [name.strip() for name in header]
        unknown = sorted(set(names) - IMPORTED - IGNORED)
        if unknown:
            raise ImportFileInvalid(f"Unknown columns: {', '.join(unknown)[:300]}.")
        if len(set(names)) != len(names):
            raise ImportFileInvalid("A column appears twice in the header.")
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(names):
                yield ParsedRow(number, {"_schema": f"{len(cells)} cells for {len(names)} columns"})
                continue
            yield ParsedRow(number, _csv_values(dict(zip(names, cells, strict=True))))
    except csv.Error as exc:
        raise ImportFileInvalid(f"The CSV file is malformed: {exc}.") from exc


def _unescaped(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def _csv_values(cells: dict[str, str]) -> dict[str, Any]:
    """Cells → the JSON values the API's schema expects; an empty cell is a field left out."""
    values: dict[str, Any] = {}
    for name, raw in cells.items():
        if name in IGNORED or raw == "":
            continue
        cell = _unescaped(raw)
        kind = _KINDS.get(name)
        try:
            if isinstance(kind, TagNames | JsonObject | Recurrence) or name in _LISTS:
                values[name] = json.loads(cell)
            elif isinstance(kind, WholeNumber):
                values[name] = int(cell) if cell.lstrip("-").isdigit() and len(cell) < 20 else cell
            elif isinstance(kind, Flag):
                values[name] = {"true": True, "false": False}.get(cell, cell)
            else:
                values[name] = cell
        except (ValueError, RecursionError):
            values[name] = cell  # the schema names the field and its expected type
    return values


def _parse_json(text: Iterator[str]) -> Iterator[ParsedRow]:
    # Bounded by the upload limit: the whole document is parsed at once, under the API's
    # rules for JSON bodies (depth, number sizes, no NUL or lone surrogates).
    try:
        document = parse_bounded_json("".join(text))
    except ProblemError as problem:
        where = "; ".join(f"{k}: {' '.join(v)}" for k, v in (problem.errors or {}).items())
        raise ImportFileInvalid(f"The file is not acceptable JSON. {where}"[:500]) from problem
    if not isinstance(document, list):
        raise ImportFileInvalid("A JSON import is an array of task objects.")
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            yield ParsedRow(number, {"_schema": "not an object"})
            continue
        yield ParsedRow(number, {k: v for k, v in item.items() if k not in IGNORED})
