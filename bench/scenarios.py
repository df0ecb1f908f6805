"""What the bench measures: the three floors, the scenarios, and the slots still to fill.

A scenario is a list of requests (method, path, token, body) that wrk cycles
through, so the load spreads over many people and grids; ``{n}`` in a body is
made unique per request. Each scenario is read as a ratio to one floor measured
in the same round. A scenario whose endpoints have not landed yet is a slot:
it is listed in the results as not measured, with what it waits for.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

from bench.plan import Plan

#: Requests in one scenario's list; wrk's threads cycle through it.
LIST_SIZE = 2_000


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    token: str = ""
    body: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.token}\t{self.body}"


class Fixtures:
    """The plan and signed access tokens for its people, as the app issues them."""

    def __init__(self, plan: Plan, issue_token: Callable[[object], tuple[str, int]]):
        self.plan, self._issue, self._tokens = plan, issue_token, {}

    def token(self, user_id: int) -> str:
        if user_id not in self._tokens:
            self._tokens[user_id] = self._issue(SimpleNamespace(id=user_id, token_version=1))[0]
        return self._tokens[user_id]

    def spread(self, items: list, count: int = LIST_SIZE) -> list:
        """``count`` items taken evenly across ``items`` (cycling if there are fewer)."""
        return [items[(i * len(items)) // count if len(items) >= count else i % len(items)] for i in range(count)]

    def users(self, count: int = LIST_SIZE) -> list[int]:
        return self.spread(list(range(1, self.plan.users + 1)), count)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    #: The floor this is a ratio to (bare, write, read); None for the floors themselves.
    floor: str | None
    #: The goal as a ratio to the floor (at least), from the issue; None where there is none.
    goal: float | None
    #: The requests; None while the scenario is a slot waiting for its endpoints.
    build: Callable[[Fixtures], list[Req]] | None
    #: What a slot waits for.
    waiting_for: str = ""


def _bare(fx: Fixtures) -> list[Req]:
    return [Req("GET", "/api/v1/bench/bare")]


def _write(fx: Fixtures) -> list[Req]:
    return [Req("POST", "/api/v1/bench/write", body='{"key": "{n}"}')]


def _read(fx: Fixtures) -> list[Req]:
    return [Req("GET", f"/api/v1/bench/read?after={uid}") for uid in fx.users()]


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


FLOORS = (
    Scenario("bare", "floor: bare JSON", None, None, _bare),
    Scenario("write", "floor: raw insert + commit", None, None, _write),
    Scenario("read", "floor: raw 20-row join", None, None, _read),
)

SCENARIOS = (
    Scenario("me", "GET /me", "read", None, _me),
    Scenario("grid_children", "GET /grids?parent_id= (居民区's micro-grids)", "read", None, _grid_children),
    Scenario("ranking", "GET /points/ranking (居民区, this year)", "read", None, _ranking),
    # Slots: the issue's goals, filled in once the domains' endpoints land.
    Scenario("checkin_storm", "check-in storm", "write", 0.6, None, "backend/party check-in endpoint"),
    Scenario("report_submit", "report submission", "write", 0.35, None, "backend/reports submission endpoint"),
    Scenario("claim_race", "claims racing for the last slots", "write", 0.5, None, "backend/tasks claim endpoint"),
    Scenario("leader_inbox", "leader inbox", "read", 0.6, None, "domain inbox.py seams with items"),
    Scenario("report_list", "report list (20 a page)", "read", 0.6, None, "backend/reports list endpoint"),
    Scenario("stats_community", "grid stats: 居民区", "read", 0.5, None, "domain stats.py seams"),
    Scenario("stats_street", "grid stats: street", "read", 0.5, None, "domain stats.py seams"),
    Scenario("stats_city", "grid stats: whole city", "read", 0.5, None, "domain stats.py seams"),
)

#: Measured in-process, not over HTTP: the photo pipeline against a plain decode.
PHOTO = "photo"
PHOTO_GOAL = 1.5

ALL_NAMES = [s.name for s in FLOORS + SCENARIOS] + [PHOTO]


def by_name(name: str) -> Scenario:
    return next(s for s in FLOORS + SCENARIOS if s.name == name)
