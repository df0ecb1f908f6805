"""Generate the city-scale dataset with COPY, one family of tables at a time.

Each family is skipped when ``bench_dataset_version`` says it is loaded at this
scale and version; reloading one truncates its tables (and, by cascade, what
hangs off them), so every later family is reloaded too. Rows go in with
``COPY … FREEZE`` right after the ``TRUNCATE`` in the same transaction, with
triggers (the foreign-key checks) off and the plain indexes dropped and built
again afterwards: the plan makes the ids agree, and the tables come out frozen,
needing no vacuum before they are read.

To add a family: write a ``load_<name>(ctx)`` that feeds ``ctx.copy(table,
columns, lines, total)`` and add a ``Family`` to ``FAMILIES`` naming the tables
it fills; it is skipped with a note while those tables are absent from the
migrated database. Bump a family's ``version`` when its generator changes.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import psycopg

from backend.stats.triggers import WAITING_NOT_MARKED
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
#: COPY's text format for a NULL.
NULL = "\\N"
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


TASK_TITLES = ("楼道堆物清理", "独居老人探访", "垃圾分类值守", "小区夜间巡查", "非机动车棚整理", "绿化带补种",
               "防汛物资清点", "文明养犬宣传", "消防通道巡查", "社区义诊协助")
ACTIVITY_KINDS = ("party_day", "volunteer", "patrol", "council")


def load_tasks(ctx: Context) -> int:
    """Micro-tasks over the year, a few per 居民区 a month, claimed by its members; past ones verified."""
    plan, now = ctx.plan, ctx.now
    communities = plan.communities
    total = plan.counts["tasks"]
    task_lines, claim_lines, claim_id = [], [], 0
    for t in range(total):
        community = communities[t % len(communities)]
        members = plan.members_of(community.id)
        created = now - timedelta(days=365) * ((t * 7919) % total / total)
        deadline, slots = created + timedelta(days=14), 1 + t % 8
        filled = min(slots - (t % 3 == 0), len(members))
        past = deadline <= now
        for k in range(filled):
            claim_id += 1
            member = members[(t * 7 + k) % len(members)]
            status = ("verified" if (t + k) % 5 else "expired") if past else ("claimed", "submitted", "submitted")[(t + k) % 3]
            submitted = _iso(created + timedelta(days=2)) if status in ("submitted", "verified") else "\\N"
            verified = _iso(created + timedelta(days=3)) if status == "verified" else "\\N"
            verifier = plan.leader_of(community.id) if status == "verified" else "\\N"
            claim_lines.append(f"{claim_id}\t{t + 1}\t{member}\t{status}\t{_iso(created + timedelta(hours=5))}\t\t"
                               f"{submitted}\t\t\\N\t{verified}\t{verifier}\t\\N\n")
        task_lines.append(f"{t + 1}\t{community.id}\t{TASK_TITLES[t % len(TASK_TITLES)]}\t\t{slots}\t{filled}\t"
                          f"{_iso(deadline)}\t{1 + t % 5}\ttrue\tfalse\t{plan.leader_of(community.id)}\t{_iso(created)}\n")
    rows = ctx.copy("tasks", ("id", "grid_id", "title", "description", "slots", "taken", "deadline", "points",
                              "proof_photo", "proof_note", "created_by_id", "created_at"), task_lines, total)
    return rows + ctx.copy("task_claims", ("id", "task_id", "user_id", "status", "claimed_at", "note", "submitted_at",
                                           "reject_reason", "rejected_at", "verified_at", "verified_by_id",
                                           "released_at"), claim_lines, len(claim_lines))


def load_activities(ctx: Context) -> int:
    """A 主题党日 or volunteer activity per 居民区 a month for the past year; about half its members came."""
    plan, now = ctx.plan, ctx.now
    activity_lines, checkin_lines, checkin_id = [], [], 0
    for month in range(12):
        for c, community in enumerate(plan.communities):
            activity_id = month * len(plan.communities) + c + 1
            starts = now - timedelta(days=365 - 30 * month) + timedelta(hours=c % 10)
            ends = starts + timedelta(hours=2)
            members = plan.members_of(community.id)
            came = [uid for k, uid in enumerate(members) if (k + month) % 2 == 0]
            x0, y0, x1, y1 = community.bbox
            activity_lines.append(
                f"{activity_id}\t{community.id}\t{community.path}\t{ACTIVITY_KINDS[month % 4]}\t{community.name}活动\t\t"
                f"{community.name}党群服务站\t{(y0 + y1) / 2:.6f}\t{(x0 + x1) / 2:.6f}\t\\N\t{_iso(starts)}\t{_iso(ends)}\t"
                f"{max(1, len(members))}\t{len(came)}\t120\t2\t{plan.leader_of(community.id)}\t{_iso(starts)}\t{_iso(ends)}\n")
            for uid in came:
                checkin_id += 1
                checkin_lines.append(f"{checkin_id}\t{activity_id}\t{uid}\t{_iso(starts)}\t{_iso(ends)}\t120\tcode\t"
                                     f"\\N\t\\N\t\\N\n")
    rows = ctx.copy("activities", ("id", "grid_id", "grid_path", "kind", "title", "description", "place", "lat", "lng",
                                   "checkin_radius_m", "starts_at", "ends_at", "capacity", "checked_in",
                                   "service_minutes", "points", "created_by_id", "created_at", "closed_at"),
                    activity_lines, len(activity_lines))
    return rows + ctx.copy("checkins", ("id", "activity_id", "user_id", "checked_in_at", "checked_out_at",
                                        "service_minutes", "via", "within_radius", "distance_band", "client_key"),
                           checkin_lines, len(checkin_lines))


REPORT_CATEGORIES = ("sanitation", "illegal_building", "parking", "facility", "noise", "safety", "other")
REPORT_TEXTS = ("楼道堆放杂物，影响通行", "小区门口车辆乱停", "路灯不亮", "垃圾桶满溢无人清运", "夜间施工噪音扰民",
                "窨井盖松动有安全隐患", "绿化带被占用种菜")
#: Outcomes of reports older than two weeks, in proportion: mostly closed, some still open.
SETTLED = ("closed",) * 15 + ("resolved", "resolved", "rejected", "dispatched", "submitted")
RECENT = ("submitted", "accepted", "dispatched", "resolved", "closed")
#: The timeline each status went through (action, from, to, hours after submission).
PATHS = {
    "submitted": (),
    "accepted": (("accept", "submitted", "accepted", 2),),
    "dispatched": (("dispatch", "submitted", "dispatched", 2),),
    "resolved": (("accept", "submitted", "accepted", 2), ("resolve", "accepted", "resolved", 30)),
    "closed": (("accept", "submitted", "accepted", 2), ("resolve", "accepted", "resolved", 30),
               ("rate", "resolved", "closed", 50)),
    "rejected": (("reject", "submitted", "rejected", 3),),
}


def load_reports(ctx: Context) -> int:
    """A year of 随手拍 with a photo each and their timelines; older ones mostly closed and rated."""
    plan, now = ctx.plan, ctx.now
    micro, total = plan.micro_grids, plan.counts["reports"]
    reports, events, uploads, photos, ratings = [], [], [], [], []
    for r in range(1, total + 1):
        k = (r * 7919) % len(micro)
        grid, residents = micro[k], plan.residents_of(k)
        reporter = residents[r % len(residents)] if residents else 1
        leader, unit = plan.leader_of(grid.id), plan.property_unit.get(grid.parent_id)
        age = timedelta(days=365) * ((r * 104_729) % total / total)
        created = now - age
        status = SETTLED[r % len(SETTLED)] if age > timedelta(days=14) else RECENT[r % len(RECENT)]
        moments = {"submitted": created}
        events.append(f"\\N\t{r}\tsubmit\t{reporter}\t\t\\N\tsubmitted\t{grid.id}\t\\N\t\\N\t{_iso(created)}\n")
        for action, before, after, hours in PATHS[status]:
            at = created + timedelta(hours=hours)
            moments[after] = at
            actor = reporter if action == "rate" else leader
            unit_here = unit if action == "dispatch" and unit else "\\N"
            events.append(f"\\N\t{r}\t{action}\t{actor}\t\t{before}\t{after}\t{grid.id}\t{unit_here}\t\\N\t{_iso(at)}\n")
        accepted = moments.get("accepted", moments.get("dispatched"))
        open_now = status in ("submitted", "accepted", "dispatched")
        deadline = _iso(created + timedelta(hours=24 if status == "submitted" else 72)) if open_now else "\\N"
        overdue = "true" if open_now and age > timedelta(days=3) else "false"
        x0, y0, x1, y1 = grid.bbox
        reports.append(
            f"{r}\t{reporter}\t{'true' if r % 10 == 0 else 'false'}\t{REPORT_CATEGORIES[r % 7]}\t{REPORT_TEXTS[r % 7]}\t"
            f"{(y0 + y1) / 2:.6f}\t{(x0 + x1) / 2:.6f}\t{grid.name}附近\t{grid.id}\t{grid.id}\t{status}\t\t"
            f"{unit if status == 'dispatched' and unit else NULL}\t\\N\t0\t{deadline}\t{overdue}\t{r % 3}\t"
            f"{_iso(created)}\t{_iso(accepted) if accepted else NULL}\t"
            f"{_iso(moments['resolved']) if 'resolved' in moments else NULL}\t"
            f"{_iso(moments.get('closed', moments.get('rejected'))) if status in ('closed', 'rejected') else NULL}\n")
        uploads.append(f"{r}\t{reporter}\tbench/reports/{r}.jpg\tbench/reports/{r}_t.jpg\timage/jpeg\t2048\t1536\t"
                       f"412000\tpass\t\\N\t{_iso(created)}\n")
        if status == "closed":
            ratings.append(f"{len(ratings) + 1}\t{r}\t{reporter}\t{(5, 4, 5, 3, 2)[r % 5]}\t\t{_iso(moments['closed'])}\n")
    # Events get their ids in order, so each report's submit event id is known for its photo.
    numbered, submit_event = [], {}
    for event_id, line in enumerate(events, 1):
        numbered.append(str(event_id) + line[2:])
        if "\tsubmit\t" in line:
            submit_event[int(line.split("\t", 2)[1])] = event_id
    photos = [f"{r}\t{r}\t{r}\t{submit_event[r]}\t0\n" for r in range(1, total + 1)]
    rows = ctx.copy("reports", ("id", "reporter_id", "anonymous", "category", "description", "lat", "lng", "address",
                                "origin_grid_id", "grid_id", "status", "hold_reason", "member_unit_id", "assignee_id",
                                "escalations", "deadline_at", "overdue", "follower_count", "created_at", "accepted_at",
                                "resolved_at", "closed_at"), reports, total)
    rows += ctx.copy("report_events", ("id", "report_id", "action", "actor_id", "note", "from_status", "status",
                                       "grid_id", "member_unit_id", "assignee_id", "created_at"), numbered, len(numbered))
    rows += ctx.copy("uploads", ("id", "owner_id", "storage_key", "thumbnail_key", "mime", "width", "height",
                                 "size_bytes", "review", "review_trace_id", "created_at"), uploads, total)
    rows += ctx.copy("report_photos", ("id", "report_id", "upload_id", "event_id", "position"), photos, total)
    return rows + ctx.copy("report_ratings", ("id", "report_id", "user_id", "score", "comment", "created_at"),
                           ratings, len(ratings))


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
    # Reports before tasks: a task may come from a report (tasks.report_id), so emptying the
    # reports (TRUNCATE … CASCADE) empties the tasks too, and they must load after.
    Family("reports", 1, ("reports", "report_events", "uploads", "report_photos", "report_ratings"), load_reports),
    Family("tasks", 2, ("tasks", "task_claims"), load_tasks),
    Family("activities", 1, ("activities", "checkins"), load_activities),
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
            conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
            conn.execute(f"TRUNCATE {', '.join(family.tables)} CASCADE")
            indexes = _drop_plain_indexes(conn, family.tables)
            rows = family.load(Context(conn, plan, progress))
            for definition in indexes:  # one sorted build each: faster than keeping them up row by row
                conn.execute(definition)
            conn.execute("DELETE FROM bench_dataset_version WHERE family = %s", (family.name,))
            conn.execute("INSERT INTO bench_dataset_version (family, version, scale, rows, seconds) VALUES (%s, %s, %s, %s, %s)",
                         (family.name, family.version, plan.scale, rows, time.perf_counter() - started))
        for table in family.tables:
            conn.execute(f"ANALYZE {table}")
        progress.line(f"{family.name}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    return notes


def _drop_plain_indexes(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes that back no constraint; returns their definitions to build them again."""
    found = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (list(tables),)).fetchall()
    for name, _definition in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def load_summary(conn: psycopg.Connection) -> list[tuple[str, int, float]]:
    return list(conn.execute("SELECT family, rows, seconds FROM bench_dataset_version ORDER BY loaded_at"))


def mark_overdue(conn: psycopg.Connection) -> int:
    """Mark the waiting reports whose deadline has passed, as the service's minute sweep does in
    production: a kept dataset ages between runs, and no ticker runs while it waits. The figures
    are recounted afterwards, so this goes without the row triggers."""
    conn.execute("SET session_replication_role = replica")
    try:
        marked = conn.execute(f"UPDATE reports SET overdue = true WHERE {WAITING_NOT_MARKED} AND deadline_at <= now()").rowcount
    finally:
        conn.execute("SET session_replication_role = DEFAULT")
    # As autovacuum would soon (and this server may run without it): the planner sizes the live
    # set from the statistics, and the dead index entries the update left would cost every read.
    conn.execute("VACUUM ANALYZE reports")
    return marked
