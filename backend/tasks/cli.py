from pathlib import Path

import click
from flask.cli import with_appcontext

from backend.core.db import db
from backend.grids.cli import run_import
from backend.tasks.catalogue import import_catalogue
from backend.tasks.services import expire_claims


@click.command("import-catalogue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_catalogue_command(file: Path):
    """Load the street's catalogue of work items from CSV or XLSX (all rows or none)."""
    run_import(import_catalogue, file, "个事项")


@click.command("expire-claims")
@with_appcontext
def expire_claims_command():
    """Mark claims left undone past their task's deadline as expired."""
    count = expire_claims()
    db.session.commit()
    click.echo(f"已将 {count} 条逾期未完成的认领标记为失效")
