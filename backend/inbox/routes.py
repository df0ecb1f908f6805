from flask import g, jsonify

from backend.core.api import LOGIN, Blueprint, PageArgs, access
from backend.inbox.schemas import InboxSchema
from backend.inbox.services import inbox_page

blp = Blueprint("inbox", __name__, description="待办")


@blp.route("/inbox", methods=["GET"])
@blp.arguments(PageArgs(), location="query")  # an instance: webargs would build one from the class every request
@blp.response(200, InboxSchema)
@access(LOGIN)
def inbox(args):
    """我的待办：待处置的事件、待审批的报到与微事项，截止时间最近的在前（分页，每页默认 20 条）"""
    page = inbox_page(g.user, args["page"], args["page_size"])
    return jsonify({**page, "items": [item.dumped() for item in page["items"]]})
