from flask import g

from backend.auth import services
from backend.auth.schemas import HomeGridArgs, LoginArgs, LoginResultSchema, MeSchema, PhoneArgs
from backend.core.api import LOGIN, PUBLIC, Blueprint, access
from backend.grids.services import get_grid

blp = Blueprint("auth", __name__, description="微信登录与个人信息")


@blp.route("/auth/wechat-login", methods=["POST"])
@blp.arguments(LoginArgs)
@blp.response(200, LoginResultSchema)
@access(PUBLIC)
def wechat_login(args):
    """用 wx.login 的 code 换取访问令牌"""
    user = services.login_with_wechat(args["code"])
    token, ttl = services.issue_access_token(user)
    return {"access_token": token, "expires_in": ttl, "user": user}


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
@access(LOGIN)
def logout():
    """退出登录：此前签发的所有令牌作废"""
    services.logout_everywhere(g.user)


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@access(LOGIN)
def me():
    """我的资料、角色与所在网格"""
    return services.with_profile(g.user)


@blp.route("/me/phone", methods=["POST"])
@blp.arguments(PhoneArgs)
@blp.response(200, MeSchema)
@access(LOGIN)
def bind_phone(args):
    """通过微信手机号快速验证绑定手机号"""
    services.bind_phone(g.user, args["code"])
    return services.with_profile(g.user)


@blp.route("/me/grid", methods=["PUT"])
@blp.arguments(HomeGridArgs)
@blp.response(200, MeSchema)
@access(LOGIN)
def bind_grid(args):
    """绑定我居住的微网格"""
    services.bind_home_grid(g.user, get_grid(args["grid_id"]))
    return services.with_profile(g.user)
