"""Folding the tail of deltas into the totals, rebuilding the totals from scratch, and moving them
with a grid that moves to another parent.

All three take the totals table's lock on PostgreSQL (SHARE ROW EXCLUSIVE: it excludes the others
and itself, never a reader), so a fold never adds a grid's deltas to the ancestors it had before
a move. On SQLite they are serialised by the one writer anyway.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, select, text, tuple_

from backend.core.db import db, dialect_insert, utcnow
from backend.core.timeutil import local_zone
from backend.grids.models import Grid
from backend.stats.figures import month_metric, open_metric
from backend.stats.models import HOURS, PointMember, StatDelta, StatTotal
from backend.stats.triggers import sources

#: Deltas folded per transaction: keeps the fold's transaction (and its lock) short.
FOLD_BATCH = 20_000
#: Totals per upsert statement (SQLite allows 32,766 bound values).
UPSERT_ROWS = 2_000


def _lock(session=None) -> None:
    session = session or db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE grid_stat_totals IN SHARE ROW EXCLUSIVE MODE"))


def fold(batch: int = FOLD_BATCH) -> int:
    """Move up to ``batch`` committed deltas into the totals of their grid and its ancestors.

    The DELETE … RETURNING takes exactly the deltas this transaction sees, and the same commit
    adds them to the totals: a reader sees them in the tail or in the totals, never in both or
    neither. A delta committed later (whatever its id) stays in the tail for the next fold.
    """
    _lock()
    taken = select(StatDelta.id).order_by(StatDelta.id).limit(batch).scalar_subquery()
    deltas = db.session.execute(
        delete(StatDelta).where(StatDelta.id.in_(taken))
        .returning(StatDelta.grid_id, StatDelta.metric, StatDelta.amount, StatDelta.user_id, StatDelta.at)).all()
    own: Counter = Counter()
    entries: Counter = Counter()
    for grid_id, metric, amount, user_id, at in deltas:
        own[grid_id, metric] += amount
        if metric == "points.awarded":
            own[grid_id, month_metric(at)] += amount
        elif metric == "points.entries":
            entries[grid_id, user_id] += amount
    own.update(_member_changes(entries))
    _add_to_subtrees(own)
    _drop_past_hours()
    return len(deltas)


def fold_pending(batch: int = FOLD_BATCH) -> int:
    """Fold the tail in committed batches until one comes back short, and return how many deltas moved.

    A short batch took every delta committed when it began. Those written since wait for the next
    call: under a steady stream of writes, folding until the tail is empty never pauses.
    """
    folded = 0
    while True:
        moved = fold(batch)
        db.session.commit()
        folded += moved
        if moved < batch:
            return folded


def _drop_past_hours(session=None) -> None:
    """Remove the open-task totals of the hours gone by: a read takes the hours after its own.

    ``HOURS`` is the partial index's own condition, so PostgreSQL finds these rows by it.
    """
    (session or db.session).execute(delete(StatTotal).where(HOURS, StatTotal.metric < open_metric(utcnow())))


def vacuum(model) -> None:
    """Let PostgreSQL reuse the space of ``model``'s dead rows (outside a transaction, as VACUUM must).

    The tail is a queue: every row is deleted soon after it is written, and until a vacuum the dead
    rows keep their pages (the whole city's read scans every page the tail ever had). After a
    rebuild the old totals lie beside the new: once gone, their room takes the fold's updates on
    the same page, so a grid's totals stay together.
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM {model.__tablename__}")


def _member_changes(entries: Counter) -> Counter:
    """Keep each member's entries per grid; +1/-1 members where a member's count leaves or reaches 0."""
    changes: Counter = Counter()
    emptied = []
    for (grid_id, user_id), net in sorted(entries.items()):
        if not net:
            continue
        now = db.session.scalar(_upsert(PointMember, {"grid_id": grid_id, "user_id": user_id, "entries": net},
                                        ["grid_id", "user_id"], "entries").returning(PointMember.entries))
        before = now - net
        changes[grid_id, "points.members"] += (now > 0) - (before > 0)
        if now <= 0:
            emptied.append((grid_id, user_id))
    if emptied:  # by key: a scan of every member's row on each fold cost more than the rest of the fold
        db.session.execute(delete(PointMember).where(tuple_(PointMember.grid_id, PointMember.user_id).in_(emptied)))
    return changes


def _upsert(model, values, keys: list[str], column: str):
    """INSERT, or add to ``column`` of the row already there."""
    statement = dialect_insert(model).values(values)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={column: getattr(model, column) + getattr(statement.excluded, column)})


def _add_to_subtrees(own: Counter) -> None:
    """Add each grid's own changes to its totals and to every ancestor's."""
    grid_ids = sorted({grid_id for grid_id, _ in own})
    paths = dict(db.session.execute(select(Grid.id, Grid.path).where(Grid.id.in_(grid_ids))).all()) if grid_ids else {}
    totals: Counter = Counter()
    for (grid_id, metric), amount in own.items():
        for ancestor in _ids(paths.get(grid_id, "")):
            totals[ancestor, metric] += amount
    _add_to_totals({key: amount for key, amount in totals.items() if amount})


def _add_to_totals(amounts: dict[tuple[int, str], int]) -> None:
    """Add to (grid, metric) totals: a few multi-row upserts, not one statement per total."""
    rows = [{"grid_id": grid_id, "metric": metric, "value": amount}
            for (grid_id, metric), amount in sorted(amounts.items())]
    for start in range(0, len(rows), UPSERT_ROWS):
        db.session.execute(_upsert(StatTotal, rows[start:start + UPSERT_ROWS], ["grid_id", "metric"], "value"))


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def grid_moved(grid: Grid, old_path: str) -> None:
    """``grid`` (already flushed at its new path) moved: its folded totals leave the old ancestors
    and join the new ones. Its unfolded deltas name the grid, so they follow by themselves."""
    _lock()
    old, new = set(_ids(old_path)) - {grid.id}, set(_ids(grid.path)) - {grid.id}
    mine = db.session.execute(select(StatTotal.metric, StatTotal.value).where(StatTotal.grid_id == grid.id)).all()
    _add_to_totals({(ancestor, metric): sign * value
                    for ancestors, sign in ((old - new, -1), (new - old, 1))
                    for ancestor in ancestors for metric, value in mine if value})


def rebuild(session=None) -> None:
    """Recount every total from the base tables and empty the tail.

    Exact when the transaction sees one snapshot: the CLI runs it REPEATABLE READ on PostgreSQL,
    so the recount and the DELETE of the tail see the same committed changes, and a change
    committed meanwhile keeps its delta in the tail. ``session``: the migration's own.
    """
    session = session or db.session
    _lock(session)
    dialect = session.get_bind().dialect.name
    for model in (StatDelta, StatTotal, PointMember):
        session.execute(delete(model))
    for source in sources(dialect):
        for figure in source.figures:
            _recount(session, source.table, figure, dialect)
    _roll_up(session)
    _drop_past_hours(session)
    if dialect == "postgresql":
        _cluster_totals(session)


def _cluster_totals(session) -> None:
    """Lay the totals out grid by grid, as a read takes them, and describe them to the planner.

    The recount writes them figure by figure and the roll-up rewrites them level by level, so a
    grid's forty rows lie on forty pages, each a cache miss for a grid not read lately (most
    居民区). CLUSTER also drops the roll-up's dead versions; it holds off readers until the
    rebuild commits, a few seconds. ANALYZE: guessed from the table's size, a grid's totals look
    like thousands of rows, and the read's plan is priced as if they were.
    """
    session.execute(text("CLUSTER grid_stat_totals USING pk_grid_stat_totals"))
    session.execute(text("ANALYZE grid_stat_totals"))


def _recount(session, table: str, figure, dialect: str) -> None:
    """One figure's own totals per grid, from the base table (the triggers' own SQL over its rows)."""
    row = lambda sql: sql.replace("{r}", table)  # noqa: E731 - the spec's row placeholder
    grid, metric, amount = row(figure.grid), row(figure.metric), row(figure.amount)
    rows = f"SELECT {grid} AS g, {metric} AS m, {amount} AS a FROM {table}"
    _add_own(session, f"SELECT g, m, sum(a) FROM ({rows}) x WHERE g IS NOT NULL GROUP BY g, m HAVING sum(a) <> 0")
    if figure.at:
        months = f"SELECT {grid} AS g, 'points.month.' || {_month_sql(dialect, row(figure.at))} AS m, {amount} AS a FROM {table}"
        _add_own(session, f"SELECT g, m, sum(a) FROM ({months}) x WHERE g IS NOT NULL GROUP BY g, m HAVING sum(a) <> 0")
    if figure.user:
        session.execute(text(
            f"INSERT INTO grid_point_members (grid_id, user_id, entries) SELECT g, u, sum(a) FROM"
            f" (SELECT {grid} AS g, {row(figure.user)} AS u, {amount} AS a FROM {table}) x"
            " WHERE g IS NOT NULL GROUP BY g, u HAVING sum(a) > 0"))
        _add_own(session, "SELECT grid_id, 'points.members', count(*) FROM grid_point_members GROUP BY grid_id")


def _add_own(session, select_sql: str) -> None:
    session.execute(text(
        f"INSERT INTO grid_stat_totals (grid_id, metric, value) {select_sql}"
        " ON CONFLICT (grid_id, metric) DO UPDATE SET value = grid_stat_totals.value + excluded.value"))


def _month_sql(dialect: str, at: str) -> str:
    """The local month of a timestamp column as 'YYYY-MM' (on SQLite at the zone's current offset)."""
    if dialect == "postgresql":
        return f"to_char({at} AT TIME ZONE '{local_zone().key}', 'YYYY-MM')"
    hours = utcnow().astimezone(local_zone()).utcoffset().total_seconds() / 3600
    return f"strftime('%Y-%m', {at}, '{hours:+g} hours')"


def _roll_up(session) -> None:
    """Add each grid's totals to its parent's, deepest first, so every total covers its subtree."""
    slashes = "length(g.path) - length(replace(g.path, '/', ''))"
    for depth in sorted(session.scalars(text(f"SELECT DISTINCT {slashes} FROM grids g")).all(), reverse=True):
        _add_own(session, "SELECT g.parent_id, t.metric, sum(t.value) FROM grid_stat_totals t"
                 f" JOIN grids g ON g.id = t.grid_id WHERE {slashes} = {int(depth)} AND g.parent_id IS NOT NULL"
                 " GROUP BY g.parent_id, t.metric")
