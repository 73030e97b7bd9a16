"""Fixtures of the event-backbone tests (tables and helpers in backbone.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from shared.tests.integration.backbone import EVENT_TYPE, SCHEMA, metadata, outbox
from taskhive_shared.db.engine import create_db_engine
from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter


@pytest.fixture(scope="session")
def backbone_engine(test_database: Any) -> Iterator[sa.Engine]:
    engine = create_db_engine(test_database.url(), pool_size=10)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        metadata.create_all(connection)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> ContractRegistry:
    directory: Path = tmp_path_factory.mktemp("contracts")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": EVENT_TYPE,
        "type": "object",
        "required": ["item"],
        "properties": {"item": {"type": "integer"}, "fail": {"type": "boolean"}},
    }
    (directory / f"{EVENT_TYPE}.json").write_text(json.dumps(schema))
    return ContractRegistry(directory)


@pytest.fixture
def clean_tables(backbone_engine: sa.Engine) -> None:
    with backbone_engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {SCHEMA}.outbox, {SCHEMA}.inbox, {SCHEMA}.effects"))


@pytest.fixture
def unit_of_work(
    backbone_engine: sa.Engine, contracts: ContractRegistry
) -> Callable[[], SqlAlchemyUnitOfWork]:
    factory: sessionmaker[Session] = sessionmaker(bind=backbone_engine, expire_on_commit=False)
    writer = OutboxWriter(outbox, "demo", contracts)
    return lambda: SqlAlchemyUnitOfWork(factory, writer)


@pytest.fixture
def write_events(unit_of_work: Callable[[], SqlAlchemyUnitOfWork]) -> Callable[..., list[str]]:
    """Commit `count` events (one transaction each, like separate requests); returns ids."""

    def write(count: int, start: int = 0, **extra: Any) -> list[str]:
        ids = []
        for item in range(start, start + count):
            with unit_of_work() as uow:
                envelope = uow.outbox.add_event(EVENT_TYPE, f"item-{item}", {"item": item, **extra})
                uow.commit()
            ids.append(str(envelope.id))
        return ids

    return write
