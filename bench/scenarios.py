"""What the bench measures: the three floors, the scenarios, and the slots still to fill.

A scenario is a list of requests (method, path, token, body, idempotency key)
that wrk cycles through, so the load spreads over many people and grids;
``{n}`` in a body or key is made unique per request. The list is built afresh
before every run, so a scenario can set up what the run needs (an activity open
now, tasks with free slots) and sign codes that are valid now. Each scenario is
read as a ratio to one floor measured in the same round; ``check`` looks at the
database afterwards for the correctness the issue asks of it. A scenario whose
endpoints or tables have not landed yet is a slot, listed as not measured.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Callable

import psycopg

from bench.plan import Plan

#: Requests in one scenario's list; wrk's threads cycle through it.
LIST_SIZE = 2_000
#: Title prefix of the rows scenarios create for a run; removed at the start of the next bench.
RUN_MARK = "压测"


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    token: str = ""
    body: str = ""
    #: Idempotency-Key, as the mini-program sends on creates ("{n}": unique per request).
    key: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.token}\t{self.body}\t{self.key}"


class Fixtures:
    """What builders need: the plan, the database, tokens signed as the app signs them, the app itself."""

    def __init__(self, plan: Plan, conn: psycopg.Connection, app, base_url: str):
        self.plan, self.conn, self.app, self.base_url = plan, conn, app, base_url
        self.run = 0
        self._tokens: dict[int, str] = {}

    def token(self, user_id: int) -> str:
        if user_id not in self._tokens:
            from backend.auth.services import issue_access_token

            with self.app.app_context():
                self._tokens[user_id] = issue_access_token(SimpleNamespace(id=user_id, token_version=1))[0]
        return self._tokens[user_id]

    def spread(self, items: list, count: int = LIST_SIZE) -> list:
        """``count`` items taken evenly across ``items`` (cycling if there are fewer)."""
        return [items[(i * len(items)) // count if len(items) >= count else i % len(items)] for i in range(count)]

    def users(self, count: int = LIST_SIZE) -> list[int]:
        return self.spread(list(range(1, self.plan.users + 1)), count)

    def window(self, items: list, count: int) -> list:
        """A different slice of ``items`` for each run, so writes meet fresh rows."""
        if len(items) <= count:
            return items
        start = (self.run * count) % len(items)
        return (items + items)[start:start + count]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    #: The floor this is a ratio to (bare, write, read); None for the floors themselves.
    floor: str | None
    #: The goal as a ratio to the floor (at least), from the issue; None where there is none.
    goal: float | None
    #: The requests for one run; None while the scenario is a slot.
    build: Callable[[Fixtures], list[Req]] | None
    #: What a slot waits for.
    waiting_for: str = ""
    #: Tables the scenario needs; without them it is a slot.
    tables: tuple[str, ...] = ()
    #: After the runs: a one-line verdict on the correctness the issue asks for.
    check: Callable[[Fixtures], str] | None = None
    #: Refusals (409 full, already claimed) are part of the scenario, not failures.
    refusals_expected: bool = False
    #: Extra requests only sampled for statements (a list with 1 and with 100 items).
    probe: Callable[[Fixtures], list[Req]] | None = None


# --- the floors ---------------------------------------------------------------------


def _bare(fx: Fixtures) -> list[Req]:
    return [Req("GET", "/api/v1/bench/bare")]


def _write(fx: Fixtures) -> list[Req]:
    return [Req("POST", "/api/v1/bench/write", body='{"key": "{n}"}')]


def _read(fx: Fixtures) -> list[Req]:
    return [Req("GET", f"/api/v1/bench/read?after={uid}") for uid in fx.users()]


# --- reads ----------------------------------------------------------------------------


def _me(fx: Fixtures) -> list[Req]:
    return [Req("GET", "/api/v1/me", fx.token(uid)) for uid in fx.users()]


def _grid_children(fx: Fixtures) -> list[Req]:
    """A 居民区's micro-grids, as a resident browsing the tree sees them."""
    communities = fx.spread(fx.plan.communities)
    return [Req("GET", f"/api/v1/grids?parent_id={c.id}", fx.token(uid))
            for c, uid in zip(communities, fx.users())]


def _ranking(fx: Fixtures) -> list[Req]:
    """This year's points ranking of a 居民区, asked by its leader."""
    return [Req("GET", f"/api/v1/points/ranking?grid_id={c.id}&period=year", fx.token(fx.plan.leader_of(c.id)))
            for c in fx.spread(fx.plan.communities)]


def _inbox(fx: Fixtures) -> list[Req]:
    """What waits for a leader: 居民区 and micro-grid leaders, whose inboxes hold few or many items."""
    grids = fx.spread(fx.plan.communities, LIST_SIZE // 2) + fx.spread(fx.plan.micro_grids, LIST_SIZE // 2)
    return [Req("GET", "/api/v1/inbox", fx.token(fx.plan.leader_of(g.id))) for g in grids]


def _stats(level: int, count: int) -> Callable[[Fixtures], list[Req]]:
    def build(fx: Fixtures) -> list[Req]:
        grids = fx.spread(fx.plan.level(level)[:count], LIST_SIZE)
        return [Req("GET", f"/api/v1/grids/{g.id}/stats", fx.token(fx.plan.leader_of(g.id))) for g in grids]

    return build


def _stats_check(level: int) -> Callable[[Fixtures], str]:
    def check(fx: Fixtures) -> str:
        from bench.recount import compare

        return compare(fx, fx.plan.level(level)[0])

    return check


def _report_list(fx: Fixtures, page_size: int = 20) -> list[Req]:
    """A 居民区 leader's reports, 20 a page (the leader handles the reports filed in the subtree)."""
    return [Req("GET", f"/api/v1/reports?grid_id={c.id}&page_size={page_size}", fx.token(fx.plan.leader_of(c.id)))
            for c in fx.spread(fx.plan.communities)]


def _report_list_probe(fx: Fixtures) -> list[Req]:
    return _report_list(fx, 1)[:1] + _report_list(fx, 100)[:1]


# --- writes ---------------------------------------------------------------------------


def _report_submit(fx: Fixtures) -> list[Req]:
    """Residents file a report with one photo they uploaded, at a spot in their micro-grid.

    The photos are made for the run (one fresh upload per reporter, pending review as
    after a real upload), so no submission reuses a photo; the text goes through the
    content check at the WeChat stand-in, as in production.
    """
    plan = fx.plan
    reporters = fx.window(list(range(1, plan.residents + 1, max(1, plan.residents // 40_000))), 4_000)
    now = _now()
    uploads = dict(fx.conn.execute(
        "INSERT INTO uploads (owner_id, storage_key, thumbnail_key, mime, width, height, size_bytes, review, created_at)"
        " SELECT o, 'bench/run/' || %s || '/' || o || '.jpg', 'bench/run/' || %s || '/' || o || '_t.jpg', 'image/jpeg',"
        " 2048, 1536, 412000, 'pending', %s FROM unnest(%s::int[]) AS o RETURNING owner_id, id",
        (f"{RUN_MARK}{fx.run}-{now.timestamp():.0f}", f"{RUN_MARK}{fx.run}-{now.timestamp():.0f}", now, reporters),
    ).fetchall())
    requests = []
    for uid in reporters:
        x0, y0, x1, y1 = plan.home_of(uid).bbox
        body = json.dumps({"category": "sanitation", "description": "楼道堆放杂物，影响通行 {n}", "anonymous": False,
                           "location": {"lat": round((y0 + y1) / 2, 6), "lng": round((x0 + x1) / 2, 6),
                                        "address": "楼下"}, "photo_ids": [uploads[uid]]}, ensure_ascii=False)
        requests.append(Req("POST", "/api/v1/reports", fx.token(uid), body, key="{n}"))
    return requests


def _report_submit_check(fx: Fixtures) -> str:
    made, missing, stray = fx.conn.execute(
        "SELECT count(DISTINCT r.id), count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE r.origin_grid_id"
        " <> u.grid_id) FROM uploads p JOIN report_photos rp ON rp.upload_id = p.id JOIN reports r ON r.id = rp.report_id"
        " JOIN users u ON u.id = r.reporter_id"
        " LEFT JOIN report_events e ON e.report_id = r.id AND e.action = 'submit'"
        " WHERE p.storage_key LIKE %s", (f"bench/run/{RUN_MARK}%",)).fetchone()
    verdict = "✓" if missing == stray == 0 else "✗"
    return f"{verdict} {made} reports filed, each with its submit event ({missing} without), in the reporter's micro-grid ({stray} elsewhere)"


# --- contested writes -----------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _checkin_storm(fx: Fixtures) -> list[Req]:
    """An activity per street open now, seats for 90% of the street's members; every member scans its code.

    The members come in list order, so the 32 connections scan the same activity at
    once; past the seats they are refused (activity_full), and a second pass through
    the list repeats scans (answered with the first record).
    """
    from backend.party.codes import rotating_code

    streets = fx.plan.level(3)
    streets = fx.window(streets, math.ceil(4_000 * len(streets) / fx.plan.counts["party_members"]))
    now, requests = _now(), []
    for street in streets:
        members = fx.plan.members_of(street.id)
        activity_id = fx.conn.execute(
            "INSERT INTO activities (grid_id, grid_path, kind, title, description, place, starts_at, ends_at,"
            " capacity, checked_in, service_minutes, points, created_at)"
            " VALUES (%s, %s, 'party_day', %s, '', '', %s, %s, %s, 0, 120, 2, %s) RETURNING id",
            (street.id, street.path, f"{RUN_MARK}主题党日 {fx.run}", now - timedelta(minutes=10),
             now + timedelta(hours=2), max(1, len(members) * 9 // 10), now),
        ).fetchone()[0]
        with fx.app.app_context():
            code = rotating_code(activity_id, now).token
        body = json.dumps({"token": code, "activity_id": activity_id})
        requests += [Req("POST", "/api/v1/checkins", fx.token(uid), body, key="{n}") for uid in members]
    return requests


def _checkin_check(fx: Fixtures) -> str:
    over, mismatched, doubles = fx.conn.execute(
        "SELECT count(*) FILTER (WHERE a.checked_in > a.capacity),"
        " count(*) FILTER (WHERE a.checked_in <> (SELECT count(*) FROM checkins c WHERE c.activity_id = a.id)),"
        " (SELECT count(*) FROM (SELECT 1 FROM checkins c JOIN activities x ON x.id = c.activity_id"
        "  WHERE x.title LIKE %s GROUP BY c.activity_id, c.user_id HAVING count(*) > 1) d)"
        " FROM activities a WHERE a.title LIKE %s", (RUN_MARK + "%", RUN_MARK + "%")).fetchone()
    full = fx.conn.execute("SELECT count(*) FILTER (WHERE checked_in = capacity), count(*) FROM activities"
                           " WHERE title LIKE %s", (RUN_MARK + "%",)).fetchone()
    verdict = "✓" if over == mismatched == doubles == 0 else "✗"
    return (f"{verdict} over capacity {over}, seats ≠ records {mismatched}, two records for a member {doubles} "
            f"({full[0]} of {full[1]} activities filled)")


def _claim_race(fx: Fixtures) -> list[Req]:
    """A task per 居民区 with slots for a third of its members; all its members claim at once."""
    communities = fx.plan.communities
    communities = fx.window(communities, math.ceil(6_000 * len(communities) / fx.plan.counts["party_members"]))
    now, requests = _now(), []
    for community in communities:
        members = fx.plan.members_of(community.id)
        if not members:
            continue
        task_id = fx.conn.execute(
            "INSERT INTO tasks (grid_id, title, description, slots, taken, deadline, points, proof_photo,"
            " proof_note, created_at) VALUES (%s, %s, '', %s, 0, %s, 3, true, false, %s) RETURNING id",
            (community.id, f"{RUN_MARK}微事项 {fx.run}", max(1, len(members) // 3), now + timedelta(days=2), now),
        ).fetchone()[0]
        requests += [Req("POST", f"/api/v1/tasks/{task_id}/claims", fx.token(uid), key="{n}") for uid in members]
    return requests


def _claim_check(fx: Fixtures) -> str:
    over, mismatched, doubles, tasks, full = fx.conn.execute(
        "SELECT count(*) FILTER (WHERE t.taken > t.slots),"
        " count(*) FILTER (WHERE t.taken <> (SELECT count(*) FROM task_claims c"
        "   WHERE c.task_id = t.id AND c.status <> 'released')),"
        " (SELECT count(*) FROM (SELECT 1 FROM task_claims c JOIN tasks x ON x.id = c.task_id"
        "  WHERE x.title LIKE %s AND c.status <> 'released' GROUP BY c.task_id, c.user_id HAVING count(*) > 1) d),"
        " count(*), count(*) FILTER (WHERE t.taken = t.slots)"
        " FROM tasks t WHERE t.title LIKE %s", (RUN_MARK + "%", RUN_MARK + "%")).fetchone()
    verdict = "✓" if over == mismatched == doubles == 0 else "✗"
    return (f"{verdict} over slots {over}, taken ≠ claims {mismatched}, two claims for a member {doubles} "
            f"({full} of {tasks} tasks filled exactly)")


FLOORS = (
    Scenario("bare", "floor: bare JSON", None, None, _bare),
    Scenario("write", "floor: raw insert + commit", None, None, _write),
    Scenario("read", "floor: raw 20-row join", None, None, _read),
)

SCENARIOS = (
    Scenario("me", "GET /me", "read", None, _me),
    Scenario("grid_children", "GET /grids?parent_id= (居民区's micro-grids)", "read", None, _grid_children),
    Scenario("ranking", "GET /points/ranking (居民区, this year)", "read", None, _ranking),
    Scenario("checkin_storm", "check-in storm (POST /checkins)", "write", 0.6, _checkin_storm,
             tables=("activities", "checkins"), check=_checkin_check, refusals_expected=True),
    Scenario("report_submit", "report submission (POST /reports, 1 photo)", "write", 0.35, _report_submit,
             tables=("reports", "report_events", "report_photos"), check=_report_submit_check),
    Scenario("claim_race", "claims racing for the last slots (POST /tasks/{id}/claims)", "write", 0.5, _claim_race,
             tables=("tasks", "task_claims"), check=_claim_check, refusals_expected=True),
    Scenario("leader_inbox", "leader inbox (GET /inbox)", "read", 0.6, _inbox),
    Scenario("report_list", "report list (GET /reports, 20 a page)", "read", 0.6, _report_list,
             tables=("reports",), probe=_report_list_probe),
    Scenario("stats_community", "grid stats: 居民区", "read", 0.5, _stats(5, LIST_SIZE),
             check=_stats_check(5)),
    Scenario("stats_street", "grid stats: street", "read", 0.5, _stats(3, 50), check=_stats_check(3)),
    Scenario("stats_city", "grid stats: whole city", "read", 0.5, _stats(1, 1), check=_stats_check(1)),
)

#: Measured in-process, not over HTTP: the photo pipeline against a plain decode.
PHOTO = "photo"
PHOTO_GOAL = 1.5

ALL_NAMES = [s.name for s in FLOORS + SCENARIOS] + [PHOTO]


def clear_run_rows(conn: psycopg.Connection, tables: set[str]) -> None:
    """Remove what earlier runs' scenarios created, so every bench starts from the same dataset."""
    if "reports" in tables:
        conn.execute("DELETE FROM reports WHERE id IN (SELECT rp.report_id FROM report_photos rp"
                     " JOIN uploads p ON p.id = rp.upload_id WHERE p.storage_key LIKE %s)", (f"bench/run/{RUN_MARK}%",))
        conn.execute("DELETE FROM uploads WHERE storage_key LIKE %s", (f"bench/run/{RUN_MARK}%",))
    if "activities" in tables:
        conn.execute("DELETE FROM activities WHERE title LIKE %s", (RUN_MARK + "%",))
    if "tasks" in tables:
        conn.execute("DELETE FROM tasks WHERE title LIKE %s", (RUN_MARK + "%",))
