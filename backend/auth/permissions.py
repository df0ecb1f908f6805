"""What each role may do, and the subtree rule that scopes it.

A role held on a grid applies to that grid and every grid below it, so a
居民区 leader acts on its micro-grids but never on a neighbour's.
"""
from __future__ import annotations

from backend.auth.models import GridScope, User

LEADER_CAPABILITIES = {
    "grid.view",
    "grid.stats",
    "grid.people",
    "reports.handle",
    "registrations.approve",
    "activities.manage",
    "party.report",
    "tasks.manage",
    "points.adjust",
}

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "resident": set(),
    "party_member": {"tasks.claim", "activities.checkin"},
    "grid_leader": LEADER_CAPABILITIES,
    "handler": {"grid.view", "reports.handle_dispatched"},
    "street_admin": LEADER_CAPABILITIES | {"reports.see_anonymous", "audit.read", "grids.admin"},
}


def _covers(scope_path: str, target_path: str) -> bool:
    return target_path.startswith(scope_path)


def capability_scopes(user: User, capability: str) -> list[GridScope]:
    """The grids at whose subtree ``user`` holds ``capability``."""
    return [grant.grid for grant in user.grants if capability in ROLE_CAPABILITIES.get(grant.role, ())]


def can(user: User, capability: str, grid) -> bool:
    return any(_covers(scope.path, grid.path) for scope in capability_scopes(user, capability))


def holds_anywhere(user: User, capability: str) -> bool:
    return bool(capability_scopes(user, capability))
