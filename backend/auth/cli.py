import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.auth.models import PARTY_KINDS, ROLES, User
from backend.auth.roles import grant_role
from backend.core.db import db
from backend.core.errors import DomainError
from backend.grids.services import get_grid_by_code

roles_cli = AppGroup("roles", help="角色授权")


@roles_cli.command("grant")
@click.option("--openid", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--grid", "grid_code", required=True, help="grid code the role is scoped to")
@click.option("--party-kind", type=click.Choice(PARTY_KINDS), default=None)
def grant_command(openid, role, grid_code, party_kind):
    """Give a person a role over a grid subtree (creates the person if new)."""
    try:
        grid = get_grid_by_code(grid_code)
    except DomainError:
        raise click.ClickException(f"网格 {grid_code} 不存在")
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        user = User(openid=openid)
        db.session.add(user)
    grant_role(user, role, grid, party_kind=party_kind)
    db.session.commit()
    click.echo(f"已授予 {openid} {role} @ {grid.code} {grid.name}")
