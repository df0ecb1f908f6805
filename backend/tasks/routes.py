from flask import g

from backend.audit.services import record_bulk_read
from backend.auth.services import authenticate_request
from backend.core.api import LOGIN, TOKEN, Blueprint, access, page_of, paginate
from backend.core.db import db
from backend.core.idempotency import REPLAYED, client_key, idempotent, keyed_on_the_row
from backend.grids.services import get_grid
from backend.tasks import services
from backend.tasks.cli import expire_claims_command, import_catalogue_command
from backend.tasks.schemas import (
    CatalogueArgs, CatalogueItemSchema, ClaimListArgs, ClaimSchema, SubmitArgs, TaskClaimListArgs, TaskCreateArgs,
    TaskDetailSchema, TaskListArgs, TaskSchema, VerifyArgs,
)

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="网格微事项：发布、认领、提交凭证、验收")
# `flask --app wsgi tasks import-catalogue FILE` and `tasks expire-claims`, mounted with the blueprint.
blp.cli.add_command(import_catalogue_command)
blp.cli.add_command(expire_claims_command)


@blp.route("", methods=["POST"])
@idempotent
@blp.arguments(TaskCreateArgs)
@blp.response(201, TaskDetailSchema)
@access("tasks.manage")
def create_task(args):
    """网格长发布微事项：自拟、从事项清单选一项，或把一条随手拍反映发布为微事项"""
    grid = get_grid(args["grid_id"]) if args.get("grid_id") else None
    task = services.create_task(g.user, grid, args)
    return services.task_detail(g.user, task)


@blp.route("", methods=["GET"])
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, page_of(TaskSchema))
@access(LOGIN)
def list_tasks(args):
    """我能看到的微事项：党员看本网格及上级网格的，网格长看所辖网格的；截止时间近的在前"""
    grid = get_grid(args["grid_id"]) if args.get("grid_id") else None
    return services.list_tasks(g.user, args, grid)


@blp.route("/catalogue", methods=["GET"])
@blp.arguments(CatalogueArgs, location="query")
@blp.response(200, page_of(CatalogueItemSchema))
@access("tasks.manage")
def catalogue(args):
    """街道的事项清单（平安、服务、文明），发布微事项时选用"""
    return paginate(services.catalogue_query(args), args, db.session)


@blp.route("/claims", methods=["GET"])
@blp.arguments(ClaimListArgs, location="query")
@blp.response(200, page_of(ClaimSchema))
@access(LOGIN)
def list_claims(args):
    """认领记录：mine=1 为我的认领；网格长不带 mine 时看所辖网格的认领（可按状态筛选）"""
    if args["mine"]:
        query = services.my_claims_query(g.user, args.get("status"))
    else:
        grid = get_grid(args["grid_id"]) if args.get("grid_id") else None
        query = services.managed_claims_query(g.user, args.get("status"), grid)
    page = paginate(query, args, db.session)
    record_bulk_read(g.user, "tasks.claims", [claim.user_id for claim in page["items"]], args)
    return page


@blp.route("/<int:task_id>", methods=["GET"])
@blp.response(200, TaskDetailSchema)
@access(LOGIN)
def get_task(task_id):
    """微事项详情，含我的认领；网格长还能看到各人的认领与完成凭证"""
    task = services.task_detail(g.user, services.get_visible_task(g.user, task_id))
    record_bulk_read(g.user, "tasks.task_claims", [claim.user_id for claim in task.claims], {"task_id": task_id})
    return task


@blp.route("/<int:task_id>/claims", methods=["GET"])
@blp.arguments(TaskClaimListArgs, location="query")
@blp.response(200, page_of(ClaimSchema))
@access("tasks.manage")
def task_claims(args, task_id):
    """一个微事项的全部认领记录（网格长）"""
    task = services.get_managed_task(g.user, task_id)
    page = paginate(services.task_claims_query(task, args.get("status")), args, db.session)
    record_bulk_read(g.user, "tasks.task_claims", [claim.user_id for claim in page["items"]], {"task_id": task_id, **args})
    return page


@blp.route("/<int:task_id>/claims", methods=["POST"])
@blp.response(201, ClaimSchema)
@blp.doc(**keyed_on_the_row("同一用户重试时使用同一标识：返回首次认领记录（201），不重复认领"))
@access(TOKEN)  # the claim's statement checks the person and their tasks.claim role
def claim_task(task_id):
    """认领一个名额；名额已满 409 task_full，已认领 409 already_claimed，已截止 409 task_closed"""
    claim, replayed = services.claim_task(g.caller, task_id, client_key())
    if replayed:
        g.user = authenticate_request()  # the first claim may carry proof photos, linked for their viewer
    return claim, 201, REPLAYED if replayed else {}


@blp.route("/<int:task_id>/claims/<int:claim_id>", methods=["GET"])
@blp.response(200, ClaimSchema)
@access(LOGIN)
def get_claim(task_id, claim_id):
    """一条认领记录及其完成凭证（认领人或该网格的网格长）"""
    return services.get_claim(g.user, task_id, claim_id)


@blp.route("/<int:task_id>/claims/<int:claim_id>/release", methods=["POST"])
@blp.response(200, ClaimSchema)
@access("tasks.claim")
def release_claim(task_id, claim_id):
    """截止前放弃认领，名额让给其他党员"""
    return services.release_claim(g.user, task_id, claim_id)


@blp.route("/<int:task_id>/claims/<int:claim_id>/submit", methods=["POST"])
@idempotent
@blp.arguments(SubmitArgs)
@blp.response(200, ClaimSchema)
@access("tasks.claim")
def submit_proof(args, task_id, claim_id):
    """提交完成凭证：照片（先经 /uploads 上传）与文字说明"""
    return services.submit_proof(g.user, task_id, claim_id, args["note"], args["photo_ids"])


@blp.route("/<int:task_id>/claims/<int:claim_id>/verify", methods=["POST"])
@blp.arguments(VerifyArgs)
@blp.response(200, ClaimSchema)
@access("tasks.manage")
def verify_claim(args, task_id, claim_id):
    """网格长验收：通过即记积分（只记一次）；退回须写明原因，党员可重新提交"""
    return services.verify_claim(g.user, task_id, claim_id, args["approved"], args["reason"])
