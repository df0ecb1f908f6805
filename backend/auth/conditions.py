"""The caller checks of ``@access(TOKEN)`` views as SQL, for their one statement to make.

``permissions.py`` answers them in Python for a person already loaded; these are the same
rules over the database, with the person bound as ``:uid`` and their token's version as
``:token_version``.
"""
from __future__ import annotations

from sqlalchemy import and_, bindparam, exists, or_

from backend.auth.models import RoleAssignment, User
from backend.auth.permissions import ROLE_CAPABILITIES
from backend.grids.models import Grid

_roles = RoleAssignment.__table__
_role_grid = Grid.__table__.alias("role_grid")


def holds_token(users):
    """``users`` (the table or an alias) is the row of the person who still holds the token:
    no logout everywhere since it was issued, not erased."""
    return and_(users.c.id == bindparam("uid"), users.c.token_version == bindparam("token_version"))


HOLDS_TOKEN = exists().where(holds_token(User.__table__))


def roles_with(capability: str) -> list[str]:
    return sorted(role for role, capabilities in ROLE_CAPABILITIES.items() if capability in capabilities)


def holds(capability: str, reaching=None):
    """The person holds ``capability`` through a role; with ``reaching`` (a condition on the path of
    the grid a role is held on), through a role whose grid meets it."""
    where = [_roles.c.user_id == bindparam("uid"), _roles.c.role.in_(roles_with(capability))]
    if reaching is not None:
        where += [_role_grid.c.id == _roles.c.grid_id, reaching(_role_grid.c.path)]
    return exists().where(*where)


def on_a_line(path, other):
    """One grid is the other or above or below it, by their paths."""
    return or_(path.startswith(other), other.startswith(path))
