"""Chinese for the validation messages people read: marshmallow's own are English.

They reach the user in a 422's ``details.fields``. Imported by ``backend/__init__.py``
so it runs before any schema is built: validators format their messages when made.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

FIELD_MESSAGES = {
    fields.Field: {"required": "此项必填", "null": "此项不能为空", "validator_failed": "填写的值无效"},
    fields.String: {"invalid": "应为文字", "invalid_utf8": "文字编码无效"},
    fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
    fields.Integer: {"invalid": "应为整数"},
    fields.Float: {"special": "应为有限的数字"},
    fields.Decimal: {"special": "应为有限的数字"},
    fields.Boolean: {"invalid": "应为是或否"},
    fields.List: {"invalid": "应为列表"},
    fields.Tuple: {"invalid": "应为列表"},
    fields.Mapping: {"invalid": "应为对象"},
    fields.Nested: {"type": "格式不正确"},
    fields.DateTime: {"invalid": "时间格式不正确", "invalid_awareness": "时间须带时区",
                      "format": "时间格式不正确"},
    fields.Date: {"invalid": "日期格式不正确", "format": "日期格式不正确"},
    fields.Email: {"invalid": "邮箱格式不正确"},
    fields.URL: {"invalid": "网址格式不正确"},
    fields.UUID: {"invalid_uuid": "格式不正确"},
    fields.Enum: {"unknown": "应为以下之一：{choices}"},
}

VALIDATOR_MESSAGES = {
    validate.Validator: {"default_message": "填写的值无效"},
    validate.Range: {"message_min": "应{min_op} {{min}}", "message_max": "应{max_op} {{max}}",
                     "message_all": "应{min_op} {{min}}，且{max_op} {{max}}", "message_gte": "大于或等于",
                     "message_gt": "大于", "message_lte": "小于或等于", "message_lt": "小于"},
    validate.Length: {"message_min": "长度至少为 {min}", "message_max": "长度不能超过 {max}",
                      "message_all": "长度应在 {min} 到 {max} 之间", "message_equal": "长度应为 {equal}"},
    validate.OneOf: {"default_message": "应为以下之一：{choices}"},
    validate.ContainsOnly: {"default_message": "只能从以下选择：{choices}"},
    validate.NoneOf: {"default_message": "不能是以下之一：{values}"},
    validate.Equal: {"default_message": "应等于 {other}"},
    validate.Regexp: {"default_message": "格式不正确"},
    validate.Email: {"default_message": "邮箱格式不正确"},
    validate.URL: {"default_message": "网址格式不正确"},
}


#: One line of text: no line breaks or other control characters (they break headers and spreadsheets).
PLAIN = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="不能包含换行等控制字符")
#: Free text: line breaks and tabs allowed, other control characters not.
TEXT = validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", error="不能包含控制字符")


class Trimmed(fields.String):
    """Text without its surrounding blanks, so all-blank is empty (and a minimum length refuses it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def use_chinese_messages() -> None:
    for field_class, messages in FIELD_MESSAGES.items():
        # Each class's own dict: Field.__init__ merges them along the class's MRO.
        field_class.default_error_messages = {**field_class.__dict__.get("default_error_messages", {}), **messages}
    for validator_class, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(validator_class, name, message)
    ma.Schema._default_error_messages = {"type": "格式不正确", "unknown": "不支持的字段"}


use_chinese_messages()
