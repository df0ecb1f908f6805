"""``flask stats rebuild`` (after a bulk import) and ``flask stats fold``."""
import time

import click
from flask.cli import AppGroup

from backend.core.db import db
from backend.stats import fold as folding
from backend.stats.models import StatDelta, StatTotal

stats_cli = AppGroup("stats", help="网格统计")


@stats_cli.command("rebuild")
def rebuild_command():
    """Recount every grid's figures from the base tables (after a bulk import or load)."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    folding.rebuild()
    db.session.commit()
    folding.vacuum(StatTotal)
    click.echo("网格统计已重新计算")


@stats_cli.command("fold")
@click.option("--every", type=float, default=None,
              help="repeat every N seconds (a few: the tail each read sums stays short)")
def fold_command(every):
    """Fold every pending change into the totals."""
    while True:
        folded = folding.fold_pending()
        if folded:
            folding.vacuum(StatDelta)
        click.echo(f"已汇总 {folded} 条变更")
        if every is None:
            return
        time.sleep(every)
