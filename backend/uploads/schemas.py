import marshmallow as ma
from flask_smorest.fields import Upload as UploadField


class UploadArgs(ma.Schema):
    file = UploadField(required=True)


class PhotoLinkArgs(ma.Schema):
    sig = ma.fields.String(required=True, validate=ma.validate.Length(max=512))


class UploadSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    thumbnail_url = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    review = ma.fields.String()
