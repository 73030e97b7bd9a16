"""Fixtures of users' unit tests: the use cases wired to the fakes in `fakes.py`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load_fakes() -> None:
    """importlib import mode: load `fakes.py` as the plain module `users_unit_fakes`.

    A name unique to this directory (rather than `fakes` on sys.path) so that other
    services' test fakes can never shadow these, nor these theirs, in one pytest run.
    """
    if "users_unit_fakes" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "users_unit_fakes", Path(__file__).resolve().parent / "fakes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["users_unit_fakes"] = module
    spec.loader.exec_module(module)


_load_fakes()

from users_unit_fakes import UsersHarness, build_harness  # noqa: E402


@pytest.fixture
def harness() -> UsersHarness:
    return build_harness()
