from __future__ import annotations

import pytest

from services.web.tests.unit.fakes import FakeTransport


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()
