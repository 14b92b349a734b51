"""Tables from any database SQLAlchemy can reach, streamed with server-side cursors where supported."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from sqlalchemy import MetaData, Table, create_engine, make_url, select
from sqlalchemy.exc import ArgumentError, NoSuchTableError, OperationalError

from connectors.base import BATCH_ROWS
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo
from node.crypto.canonical import canonical_json
from node.crypto.sm import SM3Stream
from node.errors import DependencyUnavailable, InvalidInput, NotFound


class SqlTableSource:
    """``tables`` of the database at ``url`` (credentials never leave this object)."""

    def __init__(self, url: str, tables: list[str]) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InvalidInput("not a SQLAlchemy database URL", code="source_malformed") from None
        if not tables:
            raise InvalidInput("name at least one table to import (--table)", code="source_malformed")
        self._url = url
        self._tables = tables
        self._sm3 = SM3Stream()
        self._digest: str | None = None
        self.info = SourceInfo("sql", parsed.render_as_string(hide_password=True), SourceSystem.HIS)

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = self._sm3.hexdigest()
        return self._digest

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        engine = create_engine(self._url)
        try:
            with engine.connect() as conn:
                for name in self._tables:
                    try:
                        table = Table(name, MetaData(), autoload_with=conn)
                    except NoSuchTableError:
                        raise NotFound(f"{self.info.uri}: no table {name}", code="source_missing") from None
                    result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
                        select(table)
                    )
                    for part in result.partitions():
                        frame = pd.DataFrame.from_records(part, columns=list(result.keys()))
                        self._sm3.update(canonical_json(_digestible(frame)))
                        yield name, frame
        except OperationalError:
            raise DependencyUnavailable(
                f"database {self.info.uri} unreachable", code="database_unreachable"
            ) from None
        finally:
            engine.dispose()


def _digestible(frame: pd.DataFrame) -> list[list[str | None]]:
    """Rows as text with NULL kept as null (``astype(str)`` keeps NaN in pandas 3, which no canonical
    JSON can hold)."""
    cells = frame.astype(object).where(frame.notna(), None).values.tolist()
    return [[None if v is None else str(v) for v in row] for row in cells]
