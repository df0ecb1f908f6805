"""The generated city's shape: the issue's counts at full scale, a consistent tree at any scale."""
from __future__ import annotations

import pytest

from bench.plan import Plan


@pytest.fixture(scope="module")
def city():
    return Plan(1)


def test_full_scale_has_the_issues_counts(city):
    assert len(city.level(2)) == 16
    assert len(city.micro_grids) == 33_614
    assert city.residents == 2_000_000
    assert len(list(city.party_member_ids())) == 200_000
    assert city.counts["ledger_entries"] == 5_000_000


def test_every_path_is_its_parents_path_plus_its_id(city):
    for grid in city.grids[1:]:
        parent = city.grid(grid.parent_id)
        assert grid.path == f"{parent.path}{grid.id}/"
        assert grid.level == parent.level + 1


def test_micro_grids_hold_every_resident_and_tile_without_overlap(city):
    assert city.home_of(1).level == 6 and city.home_of(city.residents).id == city.micro_grids[-1].id
    corners = {g.bbox[:2] for g in city.micro_grids}
    assert len(corners) == len(city.micro_grids)


def test_leaders_follow_the_grid_ids(city):
    community = city.communities[7]
    staff = next(s for s in city.staff if s.user_id == city.leader_of(community.id))
    assert (staff.role, staff.grid_id) == ("grid_leader", community.id)


@pytest.mark.parametrize("scale", [0.001, 0.01])
def test_small_scales_keep_every_level(scale):
    plan = Plan(scale)
    assert [len(plan.level(level)) > 0 for level in range(1, 7)] == [True] * 6
    assert len({g.code for g in plan.grids}) == len(plan.grids)
