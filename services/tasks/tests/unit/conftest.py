"""Fixtures of tasks' unit tests: the use cases wired to the fakes in `fakes.py`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load_fakes() -> None:
    """importlib import mode: load `fakes.py` under a name unique to this directory, so that
    other services' test fakes never shadow these, nor these theirs."""
    if "tasks_unit_fakes" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "tasks_unit_fakes", Path(__file__).resolve().parent / "fakes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tasks_unit_fakes"] = module
    spec.loader.exec_module(module)


_load_fakes()

from tasks_unit_fakes import Harness, build_harness  # noqa: E402


@pytest.fixture
def harness() -> Harness:
    return build_harness()
