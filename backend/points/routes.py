from flask import g

from backend.auth.models import User
from backend.core.api import LOGIN, Blueprint, access, paginate
from backend.core.db import db
from backend.core.errors import Forbidden, NotFound
from backend.grids.services import get_grid
from backend.points import services
from backend.points.schemas import AdjustArgs, MyPointsArgs, MyPointsSchema, PointEntrySchema, RankingArgs, RankingSchema

blp = Blueprint("points", __name__, url_prefix="/points", description="党员积分")


@blp.route("/me", methods=["GET"])
@blp.arguments(MyPointsArgs, location="query")
@blp.response(200, MyPointsSchema)
@access(LOGIN)
def my_points(args):
    """我的积分余额与明细"""
    page = paginate(services.ledger_query(g.user.id), args, db.session)
    return {**page, "balance": services.balance(g.user.id)}


@blp.route("/ranking", methods=["GET"])
@blp.arguments(RankingArgs, location="query")
@blp.response(200, RankingSchema)
@access(LOGIN)
def ranking(args):
    """网格积分排行（本月、本年或全部）"""
    grid = get_grid(args["grid_id"])
    if not services.may_see_ranking(g.user, grid):
        raise Forbidden("只能查看本人所在网格或所管网格的排行")
    items = services.ranking(grid, args["period"])
    return {"items": items, "total": len(items), "period": args["period"]}


@blp.route("/adjustments", methods=["POST"])
@blp.arguments(AdjustArgs)
@blp.response(201, PointEntrySchema)
@access("points.adjust")
def adjust(args):
    """网格长手动调整积分（须写明原因）"""
    member = db.session.get(User, args["user_id"])
    if member is None:
        raise NotFound("党员")
    return services.adjust_points(g.user, member, get_grid(args["grid_id"]), args["points"], args["reason"])
