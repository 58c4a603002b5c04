"""Fast inserts of many rows with ids chosen up front.

PostgreSQL gets ``COPY ... FROM STDIN`` (several times faster than INSERT);
SQLite, used only for small sizes, gets ``executemany``. Rows are plain tuples
in the order of the columns given, so no model instance is ever built; every
column of the table must be given (Django's defaults live in Python, not in the
database).
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class IdBlock:
    """Hands out primary keys after the largest one in a table."""

    def __init__(self, model):
        self.model = model
        self.next = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


class TableWriter:
    def __init__(self, model, columns: Sequence[str]):
        self.model = model
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        missing = set(by_attname) - set(columns)
        if missing:
            raise ValueError(f"{model.__name__}: columns not given: {sorted(missing)}")
        self.fields = [by_attname[c] for c in columns]
        self.table = model._meta.db_table
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        if is_postgres():
            self._copy(self.rows)
        else:
            self._insert(self.rows)
        self.written += len(self.rows)
        self.rows = []

    def _copy(self, rows: Iterable[tuple]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        null = "\\N"
        for row in rows:
            writer.writerow([null if v is None else v for v in row])
        buffer.seek(0)
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        sql = f"COPY {qn(self.table)} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, buffer)

    def _insert(self, rows: Iterable[tuple]) -> None:
        qn = connection.ops.quote_name
        fields = self.fields
        columns = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        # Identifiers come from the model's _meta, quoted; values are parameters.
        sql = f"INSERT INTO {qn(self.table)} ({columns}) VALUES ({marks})"  # nosec B608
        prepared = [
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)


def reset_sequences(models) -> None:
    """After inserting explicit ids, point PostgreSQL's sequences past them."""
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            pk = model._meta.pk.column
            # Identifiers come from the model's _meta, quoted.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # nosec B608
                f"COALESCE((SELECT MAX({connection.ops.quote_name(pk)}) FROM "
                f"{connection.ops.quote_name(table)}), 1))",
                [table, pk],
            )
