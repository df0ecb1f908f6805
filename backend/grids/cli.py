from pathlib import Path
from typing import Callable

import click
from flask.cli import AppGroup

from backend.core.db import db
from backend.grids.importer import ImportFailed, import_grids

grids_cli = AppGroup("grids", help="网格树管理")


@grids_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Load a street's grid tree from CSV or XLSX (all rows or none)."""
    run_import(import_grids, file, "个网格")


def run_import(load: Callable[[Path], int], file: Path, unit: str) -> None:
    """Run a whole-file import: commit it and say how many, or list every error and write nothing."""
    try:
        count = load(file)
    except ImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"导入失败：{len(failure.errors)} 处错误，未写入任何数据")
    db.session.commit()
    click.echo(f"已导入 {count} {unit}")
