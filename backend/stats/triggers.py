"""The database triggers that write a delta row for every change to a counted row.

Each source table says, as SQL over one of its rows (``{r}``: NEW or OLD in a
trigger, the table itself in a rebuild), which figures of which grid the row adds
to. The triggers and ``rebuild`` read the same specs, so a rebuild counts exactly
what the triggers count. A deleted parent (report, activity, task) takes back its
children's figures in a BEFORE DELETE trigger, while the children are still there:
the cascade then deletes them, and their own trigger finds no parent and adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Open tasks due in one UTC hour: ``tasks.open.YYYYMMDDHH``.
OPEN_PREFIX = "tasks.open."
#: Reports waiting for someone (they count as overdue once past their deadline).
WAITING = "('submitted', 'accepted', 'dispatched', 'escalated', 'held')"
#: Waiting and not marked overdue yet: overdue once the deadline passes, so the figures count
#: them live. The partial index ``ix_reports_waiting_deadline`` holds just these (the sweep marks the rest).
WAITING_NOT_MARKED = f"status IN {WAITING} AND NOT overdue"


@dataclass(frozen=True)
class Figure:
    """One figure a row adds to: (grid, metric, amount), optionally per member or dated."""

    grid: str
    metric: str
    amount: str = "1"
    user: str | None = None
    at: str | None = None


@dataclass(frozen=True)
class Source:
    table: str
    figures: tuple[Figure, ...]
    #: Columns (or conditions over ``{r}``) whose change changes the figures: an update that
    #: changes none of them writes nothing.
    watched: tuple[str, ...]
    #: SELECTs of (grid, metric, amount) over the row's children, taken back when it is deleted.
    children: tuple[str, ...] = field(default=())
    #: The children's rows (``table WHERE …`` over ``{r}``), locked before they are taken back on
    #: PostgreSQL: a concurrent change to one (a check-out, a member's erasure) commits first and
    #: the take-back sees it, instead of taking back the value it replaced.
    child_rows: tuple[str, ...] = field(default=())


_DIFF = {
    "postgresql": "CAST(round(extract(epoch FROM ({end} - {start})) * 1000) AS bigint)",
    "sqlite": "CAST(round((julianday({end}) - julianday({start})) * 86400000) AS INTEGER)",
}
_HOUR = {
    "postgresql": "to_char({at} AT TIME ZONE 'UTC', 'YYYYMMDDHH24')",
    "sqlite": "strftime('%Y%m%d%H', {at})",
}
_NULL = {
    "postgresql": {"user": "CAST(NULL AS integer)", "at": "CAST(NULL AS timestamptz)"},
    "sqlite": {"user": "NULL", "at": "NULL"},
}


def _ms(dialect: str, end: str, start: str) -> str:
    """Milliseconds between two timestamp columns, 0 while ``end`` is NULL."""
    return f"CASE WHEN {end} IS NULL THEN 0 ELSE {_DIFF[dialect].format(end=end, start=start)} END"


def hour_sql(dialect: str, at: str) -> str:
    """The UTC hour of a timestamp column as 'YYYYMMDDHH', as ``figures.open_metric`` spells it."""
    return _HOUR[dialect].format(at=at)


def _children(grid: str, metric: str, amount: str, rest: str) -> str:
    return f"SELECT {grid} AS grid_id, {metric} AS metric, {amount} AS amount FROM {rest}"


def sources(dialect: str) -> tuple[Source, ...]:
    """The specs; per dialect because a time difference is spelled differently."""
    report_grid = "{r}.origin_grid_id"
    return (
        Source("grids", (Figure("{r}.id", "'grids.level.' || {r}.level"),), ("level",)),
        Source("users", (Figure("{r}.grid_id", "'grids.residents'"),), ("grid_id",)),
        Source("role_assignments", (Figure("{r}.grid_id", "'grids.role.' || {r}.role"),), ("role", "grid_id")),
        Source("reports", (
            Figure(report_grid, "'reports.total'"),
            Figure(report_grid, "'reports.status.' || {r}.status"),
            Figure(report_grid, "'reports.accept_ms'", _ms(dialect, "{r}.accepted_at", "{r}.created_at")),
            Figure(report_grid, "'reports.accepted'", "CASE WHEN {r}.accepted_at IS NULL THEN 0 ELSE 1 END"),
            Figure(report_grid, "'reports.resolve_ms'", _ms(dialect, "{r}.resolved_at", "{r}.created_at")),
            Figure(report_grid, "'reports.resolved'", "CASE WHEN {r}.resolved_at IS NULL THEN 0 ELSE 1 END"),
            Figure(report_grid, "'reports.overdue_flagged'",
                   f"CASE WHEN {{r}}.overdue AND {{r}}.status IN {WAITING} THEN 1 ELSE 0 END"),
            Figure(report_grid, "'reports.solved_locally'",
                   "CASE WHEN {r}.status IN ('resolved', 'closed') AND {r}.escalations = 0 THEN 1 ELSE 0 END"),
        ), ("origin_grid_id", "status", "created_at", "accepted_at", "resolved_at", "overdue", "escalations"),
            children=(_children("{r}.origin_grid_id", "'reports.rated'", "count(*)",
                                "report_ratings WHERE report_id = {r}.id"),
                      _children("{r}.origin_grid_id", "'reports.satisfied'", "count(*)",
                                "report_ratings WHERE report_id = {r}.id AND score >= 4")),
            child_rows=("report_ratings WHERE report_id = {r}.id",)),
        Source("report_ratings", (
            Figure("(SELECT origin_grid_id FROM reports WHERE id = {r}.report_id)", "'reports.rated'"),
            Figure("(SELECT origin_grid_id FROM reports WHERE id = {r}.report_id)", "'reports.satisfied'",
                   "CASE WHEN {r}.score >= 4 THEN 1 ELSE 0 END"),
        ), ("report_id", "score")),
        Source("activities", (Figure("{r}.grid_id", "'party.activities'"),), ("grid_id",),
               children=(_children("{r}.grid_id", "'party.checkins'", "count(*)", "checkins WHERE activity_id = {r}.id"),
                         _children("{r}.grid_id", "'party.minutes'", "coalesce(sum(service_minutes), 0)",
                                   "checkins WHERE activity_id = {r}.id")),
               child_rows=("checkins WHERE activity_id = {r}.id",)),
        Source("checkins", (
            Figure("(SELECT grid_id FROM activities WHERE id = {r}.activity_id)", "'party.checkins'"),
            Figure("(SELECT grid_id FROM activities WHERE id = {r}.activity_id)", "'party.minutes'",
                   "coalesce({r}.service_minutes, 0)"),
        ), ("activity_id", "service_minutes")),
        Source("party_registrations", (Figure("{r}.grid_id", "'party.registrations.' || {r}.status"),),
               ("grid_id", "status")),
        # Open tasks are counted by the hour their deadline falls in: a read adds the hours still
        # to come and counts only the current hour's tasks live. Filling the last slot (or freeing
        # one) fires the trigger; the claims between, ``taken += 1``, do not.
        Source("tasks", (
            Figure("{r}.grid_id", "'tasks.total'"),
            Figure("{r}.grid_id", f"'{OPEN_PREFIX}' || {hour_sql(dialect, '{r}.deadline')}",
                   "CASE WHEN {r}.taken < {r}.slots THEN 1 ELSE 0 END"),
        ), ("grid_id", "deadline", "{r}.taken < {r}.slots"),
               children=(_children("{r}.grid_id", "'tasks.claims.' || status", "count(*)",
                                   "task_claims WHERE task_id = {r}.id GROUP BY status"),),
               child_rows=("task_claims WHERE task_id = {r}.id",)),
        Source("task_claims", (
            Figure("(SELECT grid_id FROM tasks WHERE id = {r}.task_id)", "'tasks.claims.' || {r}.status"),
        ), ("task_id", "status")),
        Source("point_entries", (
            Figure("(SELECT id FROM grids WHERE path = {r}.grid_path)", "'points.awarded'", "{r}.points",
                   at="{r}.created_at"),
            Figure("(SELECT id FROM grids WHERE path = {r}.grid_path)", "'points.entries'", user="{r}.user_id"),
            Figure("(SELECT id FROM grids WHERE path = {r}.grid_path)", "'points.task'",
                   "CASE WHEN {r}.source = 'task' THEN {r}.points ELSE 0 END"),
        # grid_path is not watched: a grid move rewrites it and the grid keeps its id.
        ), ("user_id", "points", "source", "created_at")),
    )


def _select(dialect: str, figure: Figure, row: str, sign: str) -> str:
    def fill(text: str | None, kind: str = "") -> str:
        return text.replace("{r}", row) if text else _NULL[dialect][kind]

    return (f"SELECT {fill(figure.grid)} AS grid_id, {fill(figure.metric)} AS metric,"
            f" {sign}({fill(figure.amount)}) AS amount, {fill(figure.user, 'user')} AS user_id,"
            f" {fill(figure.at, 'at')} AS at")


def _child(dialect: str, select: str, row: str) -> str:
    nulls = _NULL[dialect]
    return (f"SELECT c.grid_id, c.metric, -c.amount AS amount, {nulls['user']} AS user_id, {nulls['at']} AS at"
            f" FROM ({select.replace('{r}', row)}) AS c")


def _insert(parts: list[str]) -> str:
    """One INSERT of the parts' net amounts: an update's unchanged figures cancel out and write nothing."""
    return ("INSERT INTO grid_stat_deltas (grid_id, metric, amount, user_id, at)"
            " SELECT d.grid_id, d.metric, sum(d.amount), d.user_id, d.at FROM (" + " UNION ALL ".join(parts) + ") AS d"
            " WHERE d.grid_id IS NOT NULL GROUP BY d.grid_id, d.metric, d.user_id, d.at HAVING sum(d.amount) <> 0")


def _inserts(dialect: str, source: Source) -> dict[str, str]:
    new = [_select(dialect, f, "NEW", "+") for f in source.figures]
    old = [_select(dialect, f, "OLD", "-") for f in source.figures]
    children = [_child(dialect, select, "OLD") for select in source.children]
    return {"insert": _insert(new), "update": _insert(old + new), "delete": _insert(old + children)}


def _changed(dialect: str, source: Source) -> str:
    op = " IS DISTINCT FROM " if dialect == "postgresql" else " IS NOT "

    def side(watched: str, row: str) -> str:
        return f"({watched.replace('{r}', row)})" if "{r}" in watched else f"{row}.{watched}"

    return " OR ".join(f"{side(watched, 'OLD')}{op}{side(watched, 'NEW')}" for watched in source.watched)


def postgresql_ddl(source: Source) -> list[str]:
    sql, name = _inserts("postgresql", source), f"stat_deltas_{source.table}"
    # Each statement of the function reads the rows committed when it starts (READ COMMITTED).
    locks = "".join(f"PERFORM 1 FROM {rows.replace('{r}', 'OLD')} FOR UPDATE; " for rows in source.child_rows)
    function = (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"  IF TG_OP = 'INSERT' THEN {sql['insert']};\n"
        f"  ELSIF TG_OP = 'UPDATE' THEN {sql['update']};\n"
        f"  ELSE {locks}{sql['delete']}; RETURN OLD;\n  END IF;\n  RETURN NULL;\nEND $$")
    return [
        function,
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {source.table} FOR EACH ROW"
        f" WHEN ({_changed('postgresql', source)}) EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {source.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def sqlite_ddl(source: Source) -> list[str]:
    sql, name = _inserts("sqlite", source), f"stat_deltas_{source.table}"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source.table} BEGIN {sql['insert']}; END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {source.table} WHEN {_changed('sqlite', source)}"
        f" BEGIN {sql['update']}; END",
        f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {source.table} BEGIN {sql['delete']}; END",
    ]


def create_statements(dialect: str) -> list[str]:
    build = postgresql_ddl if dialect == "postgresql" else sqlite_ddl
    return [statement for source in sources(dialect) for statement in build(source)]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP FUNCTION IF EXISTS stat_deltas_{s.table}() CASCADE" for s in sources(dialect)]
    return [f"DROP TRIGGER IF EXISTS stat_deltas_{s.table}_{op}"
            for s in sources(dialect) for op in ("insert", "update", "delete")]
