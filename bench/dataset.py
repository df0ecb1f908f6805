"""Generate the city-scale dataset with COPY, one family of tables at a time.

Each family is skipped when ``bench_dataset_version`` says it is loaded at this
scale and version; reloading one truncates its tables (and, by cascade, what
hangs off them), so every later family is reloaded too. Rows go in with
``COPY … FREEZE`` right after the ``TRUNCATE`` in the same transaction, with
triggers (the foreign-key checks) off: the plan makes the ids agree, and the
tables come out frozen, needing no vacuum before they are read.

To add a family (reports, tasks, check-ins once their tables exist): write a
``load_<name>(ctx)`` that feeds ``ctx.copy(table, columns, rows)`` and add a
``Family`` to ``FAMILIES`` naming the tables it fills; it is skipped with a
note while those tables are absent from the migrated database.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import psycopg

from bench.plan import LEVEL_NAMES, PARTY_ORGS, Plan, person_name
from bench.progress import Progress

MARKER_DDL = """
CREATE TABLE IF NOT EXISTS bench_dataset_version (
    family text PRIMARY KEY,
    version integer NOT NULL,
    scale double precision NOT NULL,
    rows bigint NOT NULL,
    seconds double precision NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
)"""
#: Rows per chunk handed to COPY; the database digests one while Python makes the next.
CHUNK = 20_000
#: Distinct timestamps spread over the year before the load (about one per 5 minutes).
TIME_SLOTS = 100_003


def _iso(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


class Context:
    def __init__(self, conn: psycopg.Connection, plan: Plan, progress: Progress):
        self.conn, self.plan, self.progress = conn, plan, progress
        #: The load's midnight: a kept dataset's "this year" stays mostly full for a while.
        self.now = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        self._slots = [_iso(self.now - timedelta(days=365) * (k / TIME_SLOTS)) for k in range(TIME_SLOTS)]

    def past_year(self, j: int) -> str:
        """A well-mixed time in the year before the load for row ``j``."""
        return self._slots[(j * 7919) % TIME_SLOTS]

    def copy(self, table: str, columns: Iterable[str], rows: Iterable[str], total: int) -> int:
        """COPY text lines (tab-separated, newline-ended; \\N for NULL) into ``table``."""
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FREEZE)"
        done, chunk = 0, []
        bar = self.progress.bar(table, total)
        with self.conn.cursor().copy(sql) as copy:
            for line in rows:
                chunk.append(line)
                if len(chunk) == CHUNK:
                    copy.write("".join(chunk))
                    done += len(chunk)
                    bar.update(done)
                    chunk = []
            if chunk:
                copy.write("".join(chunk))
                done += len(chunk)
        bar.finish(done)
        with self.conn.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        return done


# --- families ---------------------------------------------------------------------


def load_grids(ctx: Context) -> int:
    plan = ctx.plan

    def grid_lines():
        for g in plan.grids:
            x0, y0, x1, y1 = g.bbox
            boundary = json.dumps([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
            org_type, org_name = PARTY_ORGS[g.level]
            parent = g.parent_id if g.parent_id is not None else "\\N"
            yield (f"{g.id}\t{g.code}\t{g.name}\t{g.level}\t{LEVEL_NAMES[g.level]}\t{g.kind}\t{parent}\t{g.path}\t"
                   f"{org_type}\t{g.name}{org_name}\t{person_name(g.id)}\t139{g.id:08d}\t{boundary}\t"
                   f"{x0}\t{y0}\t{x1}\t{y1}\n")

    rows = ctx.copy("grids", ("id", "code", "name", "level", "level_name", "kind", "parent_id", "path",
                              "party_org_type", "party_org_name", "leader_name", "leader_phone", "boundary",
                              "min_lng", "min_lat", "max_lng", "max_lat"), grid_lines(), len(plan.grids))
    units = (f"{i}\t{grid_id}\t{kind}\t{name}\n" for i, grid_id, kind, name in plan.member_units)
    return rows + ctx.copy("member_units", ("id", "grid_id", "kind", "name"), units, len(plan.member_units))


def load_people(ctx: Context) -> int:
    plan = ctx.plan
    created = _iso(ctx.now - timedelta(days=400))

    def user_lines():
        for uid in range(1, plan.residents + 1):
            name = person_name(uid)
            yield f"{uid}\tbench_r{uid}\t{name}\t{name}\t13{uid:09d}\t{plan.home_of(uid).id}\t1\t{created}\n"
        for staff in plan.staff:
            name = person_name(staff.user_id)
            home = staff.grid_id if plan.grid(staff.grid_id).level == 6 else "\\N"
            yield f"{staff.user_id}\tbench_s{staff.user_id}\t{name}\t{name}\t15{staff.user_id:09d}\t{home}\t1\t{created}\n"

    def role_lines():
        rid = 0
        for uid in plan.party_member_ids():
            rid += 1
            kind = "in_service" if uid % 3 else "registered"
            yield f"{rid}\t{uid}\tparty_member\t{plan.home_of(uid).id}\t{kind}\t\\N\t{created}\n"
        for staff in plan.staff:
            rid += 1
            unit = staff.member_unit_id or "\\N"
            yield f"{rid}\t{staff.user_id}\t{staff.role}\t{staff.grid_id}\t\\N\t{unit}\t{created}\n"

    rows = ctx.copy("users", ("id", "openid", "nickname", "real_name", "phone", "grid_id", "token_version",
                              "created_at"), user_lines(), plan.users)
    return rows + ctx.copy("role_assignments", ("id", "user_id", "role", "grid_id", "party_kind", "member_unit_id",
                                                "created_at"), role_lines(), plan.counts["party_members"] + len(plan.staff))


POINT_SOURCES = ("task", "checkin", "activity")


def load_points(ctx: Context) -> int:
    """The ledger: entries spread over the party members and the past year, earned at home."""
    plan = ctx.plan
    members = list(plan.party_member_ids())
    paths = [plan.home_of(uid).path for uid in members]
    total = plan.counts["ledger_entries"]

    def lines():
        for j in range(total):
            m = (j * 7) % len(members)
            source = POINT_SOURCES[j % 3]
            yield f"{j + 1}\t{members[m]}\t{1 + j % 10}\t{source}\t{j + 1}\t{paths[m]}\t\t{ctx.past_year(j)}\n"

    return ctx.copy("point_entries", ("id", "user_id", "points", "source", "source_id", "grid_path", "note",
                                      "created_at"), lines(), total)


@dataclass(frozen=True)
class Family:
    name: str
    #: Bump when the generator changes, so the next run reloads this family.
    version: int
    #: Emptied and filled by ``load``; also what must exist in the migrated schema.
    tables: tuple[str, ...]
    load: Callable[[Context], int] | None


#: In dependency order. A family with ``load=None`` is a slot for a domain whose tables are still coming.
FAMILIES = (
    Family("grids", 1, ("grids", "member_units"), load_grids),
    Family("people", 1, ("users", "role_assignments"), load_people),
    Family("points", 2, ("point_entries",), load_points),
    Family("reports", 1, ("reports",), None),
    Family("tasks", 1, ("tasks",), None),
    Family("checkins", 1, ("activities",), None),
)


def existing_tables(conn: psycopg.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def ensure_loaded(conn: psycopg.Connection, plan: Plan, progress: Progress) -> list[str]:
    """Load every family not loaded yet at this scale; returns notes for the report.

    ``conn`` is in autocommit mode, so each family is one real transaction.
    """
    conn.execute(MARKER_DDL)
    loaded = {family: (version, scale) for family, version, scale in
              conn.execute("SELECT family, version, scale FROM bench_dataset_version")}
    tables = existing_tables(conn)
    notes, reloading = [], False
    for family in FAMILIES:
        missing = [t for t in family.tables if t not in tables]
        if family.load is None or missing:
            notes.append(f"{family.name}: not generated ({'tables ' + ', '.join(missing) + ' absent' if missing else 'generator not written yet'})")
            continue
        if not reloading and loaded.get(family.name) == (family.version, plan.scale):
            progress.line(f"{family.name}: already loaded at scale {plan.scale:g}")
            continue
        reloading = True  # what comes after depends on this family's rows
        started = time.perf_counter()
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")  # no FK triggers: the plan's ids agree
            conn.execute(f"TRUNCATE {', '.join(family.tables)} CASCADE")
            rows = family.load(Context(conn, plan, progress))
            conn.execute("DELETE FROM bench_dataset_version WHERE family = %s", (family.name,))
            conn.execute("INSERT INTO bench_dataset_version (family, version, scale, rows, seconds) VALUES (%s, %s, %s, %s, %s)",
                         (family.name, family.version, plan.scale, rows, time.perf_counter() - started))
        for table in family.tables:
            conn.execute(f"ANALYZE {table}")
        progress.line(f"{family.name}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    return notes


def load_summary(conn: psycopg.Connection) -> list[tuple[str, int, float]]:
    return list(conn.execute("SELECT family, rows, seconds FROM bench_dataset_version ORDER BY loaded_at"))
