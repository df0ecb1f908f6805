from functools import cache
from types import ModuleType

from flask import g

from backend.auth.services import require
from backend.core.api import LOGIN, Blueprint, access, page_of, paginate
from backend.core.db import db
from backend.core.domains import domain_modules
from backend.core.errors import NotFound
from backend.grids import services
from backend.grids.schemas import GridDetailSchema, GridListArgs, GridSchema, GridStatsSchema
from backend.stats import figures as stat_figures

blp = Blueprint("grids", __name__, url_prefix="/grids", description="网格树")


@blp.route("", methods=["GET"])
@blp.arguments(GridListArgs, location="query")
@blp.response(200, page_of(GridSchema))
@access(LOGIN)
def list_grids(args):
    """网格列表：不带 parent_id 时为顶层网格，否则为其下级"""
    return paginate(services.children_query(args.get("parent_id")), args, db.session)


@blp.route("/<int:grid_id>", methods=["GET"])
@blp.response(200, GridDetailSchema)
@access(LOGIN)
def get_grid(grid_id):
    """一个网格：层级、名称、网格长、党组织、成员单位"""
    grid = services.get_grid(grid_id)
    grid.ancestors = services.ancestors(grid)
    return grid


@blp.route("/<int:grid_id>/stats", methods=["GET"])
@blp.response(200, GridStatsSchema)
@access("grid.stats")
def grid_stats(grid_id):
    """网格及其下级的统计：事件、满意率、微事项、签到、积分等"""
    grid, figures = stat_figures.read_grid(grid_id)  # the grid and every section's figures: one statement
    if grid is None:
        raise NotFound("网格")
    require(g.user, "grid.stats", grid)
    sections = {domain: module.grid_stats(grid, figures) for domain, module in _stats_modules()}
    return {"grid": grid, "sections": sections}


@cache
def _stats_modules() -> list[tuple[str, ModuleType]]:
    """Each domain's stats module, found once (looking for the absent ones costs more than the figures)."""
    return [(module.__name__.split(".")[1], module) for module in domain_modules("stats")]
