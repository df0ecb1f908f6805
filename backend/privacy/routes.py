from flask import g

from backend.core.api import LOGIN, Blueprint, access
from backend.privacy import services
from backend.privacy.schemas import PersonalDataSchema

blp = Blueprint("privacy", __name__, url_prefix="/me", description="个人信息权利")


@blp.route("/export", methods=["GET"])
@blp.response(200, PersonalDataSchema)
@access(LOGIN)
def export_my_data():
    """导出与我有关的全部个人信息（JSON）"""
    return services.export_personal_data(g.user)


@blp.route("", methods=["DELETE"])
@blp.response(204)
@access(LOGIN)
def erase_my_account():
    """注销账号：删除可识别我的信息，已提交的事件仅保留用于统计"""
    services.erase_account(g.user)
