import click
from flask.cli import with_appcontext

from backend.core.db import db
from backend.party.services import close_ended_activities


@click.command("close-activities")
@with_appcontext
def close_activities_command():
    """Finish the check-ins of activities whose window has ended (run from cron every few minutes)."""
    closed = close_ended_activities()
    db.session.commit()
    click.echo(f"已结束 {closed} 场活动：未签退的服务时长按活动结束时间记录，积分已入账")
