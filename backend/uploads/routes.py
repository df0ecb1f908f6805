from io import BytesIO

from flask import g, redirect, send_file

from backend.core.api import LOGIN, PUBLIC, Blueprint, access
from backend.core.storage import get_storage
from backend.uploads import services
from backend.uploads.schemas import PhotoLinkArgs, UploadArgs, UploadSchema

blp = Blueprint("uploads", __name__, url_prefix="/uploads", description="照片上传")


@blp.route("", methods=["POST"])
@blp.arguments(UploadArgs, location="files")
@blp.response(201, UploadSchema)
@access(LOGIN)
def upload_photo(args):
    """上传一张照片（JPEG/PNG/WebP/HEIC），去除位置信息并生成缩略图"""
    upload = services.store_photo(g.user, args["file"].read())
    return services.describe(upload, g.user)


@blp.route("/<int:upload_id>/<any(file, thumbnail):variant>", methods=["GET"])
@blp.arguments(PhotoLinkArgs, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg")
@access(PUBLIC)
def photo_content(args, upload_id, variant):
    """按签名链接取图（链接由有权查看者获得，一小时内有效）"""
    upload, key = services.open_link(upload_id, variant, args["sig"])
    storage = get_storage()
    presigned = storage.presigned_url(key, expires_in=300)
    if presigned:
        return redirect(presigned)
    response = send_file(BytesIO(storage.get(key)), mimetype=upload.mime, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
