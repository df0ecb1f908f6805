from flask import g

from backend.audit import services
from backend.audit.services import record_bulk_read
from backend.audit.schemas import AuditArgs, AuditEntrySchema
from backend.auth.permissions import capability_scopes
from backend.core.api import Blueprint, access, page_of, paginate
from backend.core.db import db
from backend.core.errors import Forbidden

blp = Blueprint("audit", __name__, url_prefix="/audit", description="审计日志")


@blp.route("", methods=["GET"])
@blp.arguments(AuditArgs, location="query")
@blp.response(200, page_of(AuditEntrySchema))
@access("audit.read")
def audit_log(args):
    """审计日志（仅街道总网格的管理员）：谁改了什么、谁批量查看了个人信息"""
    if not any(scope.level == 1 for scope in capability_scopes(g.user, "audit.read")):
        raise Forbidden("审计日志仅对街道管理员开放")
    page = paginate(services.audit_query(args.get("action")), args, db.session)
    # Who did what from which address is personal data too; reading it is recorded like any bulk read.
    record_bulk_read(g.user, "audit.entries", [entry.actor_id for entry in page["items"] if entry.actor_id], args)
    return page
