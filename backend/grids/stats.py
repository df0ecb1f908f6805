"""The grid tree's own figures for a subtree: grids per level and the people in them."""
from sqlalchemy import distinct, func, select

from backend.auth.models import RoleAssignment, User
from backend.core.db import db
from backend.grids.models import Grid


def grid_stats(grid: Grid) -> dict:
    in_subtree = Grid.path.startswith(grid.path)
    levels = dict(db.session.execute(select(Grid.level, func.count()).where(in_subtree).group_by(Grid.level)).all())
    roles = dict(
        db.session.execute(
            select(RoleAssignment.role, func.count(distinct(RoleAssignment.user_id)))
            .join(Grid, Grid.id == RoleAssignment.grid_id)
            .where(in_subtree)
            .group_by(RoleAssignment.role)
        ).all()
    )
    residents = db.session.scalar(select(func.count()).select_from(User).join(Grid, Grid.id == User.grid_id).where(in_subtree))
    return {
        "grids_by_level": {str(level): count for level, count in sorted(levels.items())},
        "residents_bound": residents,
        "party_members": roles.get("party_member", 0),
        "leaders": roles.get("grid_leader", 0),
        "handlers": roles.get("handler", 0),
    }
