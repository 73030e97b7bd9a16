"""Email templates: `<name>.subject.txt`, `<name>.txt` and `<name>.html` in a package folder.

Jinja2 with autoescaping for the HTML part only; a missing variable is an error, never a
silently empty sentence in someone's inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailTemplates:
    def __init__(self, folder: Path) -> None:
        self._env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedEmail:
        subject = self._env.get_template(f"{name}.subject.txt").render(context)
        return RenderedEmail(
            subject=" ".join(subject.split()),
            text=self._env.get_template(f"{name}.txt").render(context),
            html=self._env.get_template(f"{name}.html").render(context),
        )
