"""The shape of the generated city, worked out from the scale alone.

Ids are assigned here, not by the database, so every table family can be
generated (or skipped as already loaded) on its own and still agree with the
others, and the scenarios can pick their grids and people without a query.

The tree: 上海市 → 16 districts → streets → 片区 → 居民区 → 微网格 (33,614 at
full scale). ``level`` is the depth (the city is 1, a micro-grid 6): the app
reads the tree by path and parent, so a city-wide tree only adds levels above
the street's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

#: Full-scale counts from the issue (#10); ``--scale`` multiplies them.
FULL = {
    "micro_grids": 33_614,
    "residents": 2_000_000,
    "party_members": 200_000,
    "reports": 1_000_000,
    "tasks": 100_000,
    "ledger_entries": 5_000_000,
}
#: About 6,000 居民区 over 215 streets, in 4 片区 each (the seeds' street averages).
MICRO_PER_COMMUNITY = 33_614 / 6_020
COMMUNITIES_PER_AREA = 7
AREAS_PER_STREET = 4
DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
             "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区")
LEVEL_NAMES = {1: "市网格", 2: "区网格", 3: "街道总网格", 4: "片区网格", 5: "居民区网格", 6: "微网格"}
PARTY_ORGS = {1: ("党委", "市委"), 2: ("党委", "区委"), 3: ("党工委", "街道党工委"), 4: ("党委", "片区党委"),
              5: ("党总支", "居民区党总支"), 6: ("党支部", "党支部")}
STREET_UNITS = ("城管", "派出所", "市场监管所")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = ("建国", "秀珍", "志强", "丽华", "海燕", "国平", "美玲", "晓东", "慧敏", "文斌", "子涵", "雨轩")
#: Micro-grid cells of about 400 m on a lattice over Shanghai.
ORIGIN, CELL = (121.0, 30.8), 0.004
#: Every PARTY_EVERY-th resident is a party member (200,000 of 2 million).
PARTY_EVERY = 10


def person_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN[(index // len(SURNAMES)) % len(GIVEN)]


@dataclass(slots=True)
class GridRow:
    id: int
    code: str
    name: str
    level: int
    kind: str
    parent_id: int | None
    path: str
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # min lng, min lat, max lng, max lat
    children: list[int] = field(default_factory=list)


@dataclass(slots=True)
class StaffRow:
    """A leader, admin or handler: a user beyond the residents, with one role."""

    user_id: int
    role: str
    grid_id: int
    member_unit_id: int | None = None


def _spread(count: int, parents: int) -> list[int]:
    """Which parent (0-based) each of ``count`` children goes under, in contiguous blocks."""
    return [i * parents // count for i in range(count)]


class Plan:
    def __init__(self, scale: float):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.counts = {name: max(1, round(full * scale)) for name, full in FULL.items()}
        self.counts["party_members"] = self.counts["residents"] // PARTY_EVERY
        self.grids: list[GridRow] = []
        self._build_tree()

    # The grid tree ---------------------------------------------------------
    def _build_tree(self) -> None:
        micro = self.counts["micro_grids"]
        communities = max(1, round(micro / MICRO_PER_COMMUNITY))
        areas = math.ceil(communities / COMMUNITIES_PER_AREA)
        streets = math.ceil(areas / AREAS_PER_STREET)
        districts = min(len(DISTRICTS), streets)
        city = self._add(None, "SH", "上海市", 1)
        layer = [city]
        for level, count in ((2, districts), (3, streets), (4, areas), (5, communities), (6, micro)):
            parents = layer
            layer = []
            numbers: dict[int, int] = {}
            for parent_index in _spread(count, len(parents)):
                parent = parents[parent_index]
                n = numbers[parent.id] = numbers.get(parent.id, 0) + 1
                layer.append(self._add(parent, *self._naming(parent, level, n)))
        self._place(layer)

    def _naming(self, parent: GridRow, level: int, n: int) -> tuple[str, str, int]:
        if level == 2:
            return f"D{n:02d}", DISTRICTS[n - 1], level
        suffix = {3: ("S", "街道"), 4: ("P", "片区"), 5: ("C", "居民区"), 6: ("M", "微网格")}[level]
        name = f"第{n}{suffix[1]}" if level > 3 else f"{parent.name.removesuffix('区')}第{n}街道"
        return f"{parent.code}{suffix[0]}{n}", name, level

    def _add(self, parent: GridRow | None, code: str, name: str, level: int) -> GridRow:
        grid_id = len(self.grids) + 1
        kind = "office" if level == 6 and grid_id % 3 == 0 else "residential"
        row = GridRow(grid_id, code, name, level, kind, parent.id if parent else None,
                      (parent.path if parent else "/") + f"{grid_id}/")
        if parent:
            parent.children.append(grid_id)
        self.grids.append(row)
        return row

    def _place(self, micro_grids: list[GridRow]) -> None:
        """Micro-grids tile a lattice; every other grid's box is its children's union."""
        columns = math.ceil(math.sqrt(len(micro_grids)))
        for k, grid in enumerate(micro_grids):
            x, y = ORIGIN[0] + (k % columns) * CELL, ORIGIN[1] + (k // columns) * CELL
            grid.bbox = (round(x, 6), round(y, 6), round(x + CELL, 6), round(y + CELL, 6))
        for grid in reversed(self.grids):
            if grid.children:
                boxes = [self.grid(c).bbox for c in grid.children]
                grid.bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                             max(b[2] for b in boxes), max(b[3] for b in boxes))

    def grid(self, grid_id: int) -> GridRow:
        return self.grids[grid_id - 1]

    def level(self, level: int) -> list[GridRow]:
        return [g for g in self.grids if g.level == level]

    @cached_property
    def micro_grids(self) -> list[GridRow]:
        return self.level(6)

    @cached_property
    def communities(self) -> list[GridRow]:
        return self.level(5)

    # Member units ------------------------------------------------------------
    @cached_property
    def member_units(self) -> list[tuple[int, int, str, str]]:
        """(id, grid id, kind, name): 城管, 派出所, 市场监管所 per street, 物业 per 居民区."""
        units = []
        for street in self.level(3):
            units += [(0, street.id, kind, f"{street.name}{kind}") for kind in STREET_UNITS]
        units += [(0, c.id, "物业", f"{c.name}物业") for c in self.communities]
        return [(i, grid_id, kind, name) for i, (_, grid_id, kind, name) in enumerate(units, 1)]

    # People --------------------------------------------------------------------
    @property
    def residents(self) -> int:
        """Residents are users 1..residents."""
        return self.counts["residents"]

    def home_of(self, user_id: int) -> GridRow:
        micro = self.micro_grids
        return micro[(user_id - 1) * len(micro) // self.residents]

    def residents_of(self, micro_index: int) -> range:
        """The residents of the ``micro_index``-th micro-grid: the users whose ``home_of`` it is."""
        n, m = self.residents, len(self.micro_grids)
        return range(-(-micro_index * n // m) + 1, -(-(micro_index + 1) * n // m) + 1)

    @cached_property
    def property_unit(self) -> dict[int, int]:
        """居民区 id → the id of its 物业 member unit."""
        return {grid_id: unit_id for unit_id, grid_id, kind, _name in self.member_units if kind == "物业"}

    def is_party_member(self, user_id: int) -> bool:
        return user_id <= self.residents and user_id % PARTY_EVERY == 0

    def party_member_ids(self) -> range:
        return range(PARTY_EVERY, self.residents + 1, PARTY_EVERY)

    @cached_property
    def _members_by_grid(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for uid in self.party_member_ids():
            for grid_id in self.home_of(uid).path.strip("/").split("/"):
                found.setdefault(int(grid_id), []).append(uid)
        return found

    def members_of(self, grid_id: int) -> list[int]:
        """The party members living in the grid's subtree (their role is on their home micro-grid)."""
        return self._members_by_grid.get(grid_id, [])

    @cached_property
    def staff(self) -> list[StaffRow]:
        """Users after the residents: a leader per grid from 片区 down, admins above, handlers per unit."""
        rows, next_id = [], self.residents + 1
        for grid in self.grids:
            role = "grid_leader" if grid.level >= 4 else "street_admin"
            rows.append(StaffRow(next_id, role, grid.id))
            next_id += 1
        for unit_id, grid_id, _kind, _name in self.member_units:
            rows.append(StaffRow(next_id, "handler", grid_id, unit_id))
            next_id += 1
        return rows

    def leader_of(self, grid_id: int) -> int:
        """The user id of the grid's leader (or admin): staff rows follow the grid ids."""
        return self.residents + grid_id

    @property
    def users(self) -> int:
        return self.residents + len(self.staff)

    def summary(self) -> dict[str, int]:
        figures = {f"grids level {level}": len(self.level(level)) for level in range(1, 7)}
        return figures | {"users": self.users, **self.counts}
