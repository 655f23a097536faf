#!/usr/bin/env python3
"""What SQLite's engine costs to write a million actuals, for several shapes of the table.

SYNTHETIC DATA (bench/gen_actuals.py): never loaded into a real deployment.

    python3 bench/gen_actuals.py 1000000 /tmp/million.csv
    python3 bench/sqlite_write_path.py /tmp/million.csv

Each shape gets a fresh database file with the server's pragmas (WAL, synchronous NORMAL, 64 MB
cache). The rows are first staged in memory (not timed), ordered by the series key as the upload
orders them, then written by one `INSERT … SELECT` and committed: the time is the engine's own
(B-tree inserts, index upkeep, WAL), without any per-row cost of the program that binds them.
The last two lines bind the rows from Python (executemany, one row per execution, and multi-row
VALUES of 100 rows), which adds the interpreter's cost to the engine's.
Standard library only (the system's SQLite; the server bundles a newer one).
"""

import csv
import os
import sqlite3
import sys
import tempfile
import time

PRAGMAS = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -65536"]

# The server's table (migrations/sqlite/…_init): one row per figure, text period and region.
TODAY = """
CREATE TABLE actuals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, indicator_id INTEGER NOT NULL, region TEXT NOT NULL,
    period TEXT NOT NULL, period_end DATE NOT NULL, value DOUBLE NOT NULL, note TEXT, source TEXT,
    upload_id INTEGER, recorded_at TIMESTAMP NOT NULL, superseded_at TIMESTAMP);
CREATE INDEX actuals_series ON actuals (indicator_id, region, period_end);
CREATE UNIQUE INDEX actuals_current ON actuals (indicator_id, region, period) WHERE superseded_at IS NULL;
"""

# Period and region as integers (a region table, the period as yyyymm-style code, the end as a day
# number), the same two indexes.
INTEGER_CODED = """
CREATE TABLE actuals (
    id INTEGER PRIMARY KEY NOT NULL, indicator_id INTEGER NOT NULL, region_id INTEGER NOT NULL,
    period INTEGER NOT NULL, period_end INTEGER NOT NULL, value DOUBLE NOT NULL, note TEXT, source TEXT,
    upload_id INTEGER, recorded_at INTEGER NOT NULL, superseded_at INTEGER);
CREATE INDEX actuals_series ON actuals (indicator_id, region_id, period_end);
CREATE UNIQUE INDEX actuals_current ON actuals (indicator_id, region_id, period) WHERE superseded_at IS NULL;
"""

# Clustered on the series key (WITHOUT ROWID): the table is the series index; a revision is told
# apart by when it was recorded. Only the current-value index is kept beside it.
CLUSTERED = """
CREATE TABLE actuals (
    indicator_id INTEGER NOT NULL, region TEXT NOT NULL, period_end DATE NOT NULL, period TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL, value DOUBLE NOT NULL, note TEXT, source TEXT, upload_id INTEGER,
    superseded_at TIMESTAMP,
    PRIMARY KEY (indicator_id, region, period_end, period, recorded_at)) WITHOUT ROWID;
CREATE UNIQUE INDEX actuals_current ON actuals (indicator_id, region, period) WHERE superseded_at IS NULL;
"""

# Both: integer-coded and clustered.
CLUSTERED_INTEGER = """
CREATE TABLE actuals (
    indicator_id INTEGER NOT NULL, region_id INTEGER NOT NULL, period_end INTEGER NOT NULL,
    period INTEGER NOT NULL, recorded_at INTEGER NOT NULL, value DOUBLE NOT NULL, note TEXT, source TEXT,
    upload_id INTEGER, superseded_at INTEGER,
    PRIMARY KEY (indicator_id, region_id, period_end, period, recorded_at)) WITHOUT ROWID;
CREATE UNIQUE INDEX actuals_current ON actuals (indicator_id, region_id, period) WHERE superseded_at IS NULL;
"""

# No secondary index at all: the floor for this row shape.
NO_INDEX = TODAY.split("CREATE INDEX")[0]

RECORDED = "2026-12-06 10:00:00"


def staged_rows(path):
    """(indicator id, region, period, period end, value) per CSV row, sorted by the series key."""
    indicators, regions, rows = {}, {}, []
    with open(path, encoding="utf-8") as f:
        for record in csv.DictReader(f):
            indicator = indicators.setdefault(record["indicator"], len(indicators) + 1)
            region = record.get("region") or "上海市"
            regions.setdefault(region, len(regions) + 1)
            year, month = record["period"].split("-")
            end = f"{year}-{month}-28"
            rows.append((indicator, region, record["period"], end, float(record["value"])))
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    return rows, regions


def open_db(schema):
    path = tempfile.mktemp(suffix=".db")
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    conn.executescript(schema)
    return conn, path


def stage(conn, rows, regions):
    conn.execute("ATTACH ':memory:' AS mem")
    conn.execute("CREATE TABLE mem.rows (indicator_id, region, region_id, period, period_code, period_end, "
                 "period_day, value)")
    conn.executemany(
        "INSERT INTO mem.rows VALUES (?, ?, ?, ?, ?, ?, julianday(?), ?)",
        ((i, r, regions[r], p, int(p.replace("-", "")), e, e, v) for i, r, p, e, v in rows),
    )


def timed(label, schema, insert, rows, regions):
    conn, path = open_db(schema)
    stage(conn, rows, regions)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(insert)
    inserted = time.perf_counter()
    conn.execute("COMMIT")
    done = time.perf_counter()
    size = os.path.getsize(path) + os.path.getsize(path + "-wal")
    print(f"{label:<44} insert {inserted - started:5.2f} s  commit {done - inserted:4.2f} s  "
          f"total {done - started:5.2f} s  file+WAL {size / 1e6:5.0f} MB")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def bound(label, rows, per_statement):
    conn, path = open_db(TODAY)
    columns = "(indicator_id, region, period, period_end, value, upload_id, recorded_at)"
    started = time.perf_counter()
    conn.execute("BEGIN")
    if per_statement == 1:
        conn.executemany(f"INSERT INTO actuals {columns} VALUES (?, ?, ?, ?, ?, 1, '{RECORDED}')", rows)
    else:
        values = ", ".join([f"(?, ?, ?, ?, ?, 1, '{RECORDED}')"] * per_statement)
        statement = f"INSERT INTO actuals {columns} VALUES {values}"
        whole = len(rows) - len(rows) % per_statement
        conn.executemany(
            statement,
            (tuple(x for row in rows[i : i + per_statement] for x in row) for i in range(0, whole, per_statement)),
        )
        conn.executemany(f"INSERT INTO actuals {columns} VALUES (?, ?, ?, ?, ?, 1, '{RECORDED}')", rows[whole:])
    conn.execute("COMMIT")
    done = time.perf_counter()
    print(f"{label:<44} total {done - started:5.2f} s (Python's binding included)")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rows, regions = staged_rows(sys.argv[1])
    print(f"{len(rows)} SYNTHETIC rows, SQLite {sqlite3.sqlite_version}")
    text = ("INSERT INTO actuals (indicator_id, region, period, period_end, value, upload_id, recorded_at) "
            f"SELECT indicator_id, region, period, period_end, value, 1, '{RECORDED}' FROM mem.rows")
    coded = ("INSERT INTO actuals (indicator_id, region_id, period, period_end, value, upload_id, recorded_at) "
             "SELECT indicator_id, region_id, period_code, CAST(period_day AS INTEGER), value, 1, 1796000000 "
             "FROM mem.rows")
    timed("today's table (text period and region)", TODAY, text, rows, regions)
    timed("no secondary index (the floor)", NO_INDEX, text, rows, regions)
    timed("integer-coded period and region", INTEGER_CODED, coded, rows, regions)
    timed("clustered on the series key (WITHOUT ROWID)", CLUSTERED, text, rows, regions)
    timed("clustered and integer-coded", CLUSTERED_INTEGER, coded, rows, regions)
    bound("bound per row (prepared, executemany)", rows, 1)
    bound("bound 100 rows per statement", rows, 100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
