from datetime import datetime, timezone

from flask import g

from backend.core.api import LOGIN, Blueprint, access
from backend.core.domains import domain_modules
from backend.inbox.schemas import InboxSchema

blp = Blueprint("inbox", __name__, description="待办")

_NO_DEADLINE = datetime.max.replace(tzinfo=timezone.utc)


@blp.route("/inbox", methods=["GET"])
@blp.response(200, InboxSchema)
@access(LOGIN)
def inbox():
    """我的待办：待处置的事件、待审批的报到与微事项，截止时间最近的在前"""
    items = [item for module in domain_modules("inbox") for item in module.inbox_items(g.user)]
    items.sort(key=lambda item: (item.deadline or _NO_DEADLINE, item.kind, item.id))
    return {"items": items, "total": len(items)}
