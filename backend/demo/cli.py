import click
from flask.cli import AppGroup

from backend.core.db import db
from backend.demo.seed import seed_demo

demo_cli = AppGroup("demo", help="演示数据")


@demo_cli.command("seed")
def seed_command():
    """Load the demo street 石门二路 with people of every role (idempotent)."""
    street = seed_demo()
    db.session.commit()
    click.echo(f"演示街道已就绪：{street.name}（用 as:demo_admin、as:demo_leader_01、as:demo_member_001 等登录）")
