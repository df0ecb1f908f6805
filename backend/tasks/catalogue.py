"""Load the street's catalogue of work items (静安寺's 326 items in 平安, 服务, 文明) from CSV or XLSX.

Every row is checked before anything is written; a file with any bad row is
refused whole, each problem named by its row number. Rows are matched by code,
so importing the same file again changes nothing.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from backend.core.db import db
from backend.grids.importer import ImportFailed
from backend.tasks.models import CATALOGUE_GROUPS, CatalogueItem

HEADERS = {
    "编码": "code", "事项编码": "code",
    "分组": "group", "类别": "group",
    "事项名称": "title", "名称": "title",
    "事项说明": "description", "说明": "description",
    "积分": "points",
    "完成凭证": "proof",
}
REQUIRED = ("code", "group", "title", "points")
PROOFS = {"照片": ("photo",), "文字": ("note",), "说明": ("note",), "照片+文字": ("photo", "note"),
          "照片+说明": ("photo", "note"), "": ("photo",)}
MAX_POINTS = 100


def _table(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ImportFailed([f"无法读取 Excel 文件：{exc}"])
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    try:
        return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    except UnicodeDecodeError:
        raise ImportFailed(["文件不是 UTF-8 编码的 CSV，请另存为“CSV UTF-8”后重试"])


def read_items(path: Path) -> list[dict]:
    """Checked rows as dicts of CatalogueItem fields; raises ImportFailed listing every bad row."""
    table = _table(path)
    if not table:
        raise ImportFailed(["文件为空"])
    header = [HEADERS.get(h.strip(), h.strip()) for h in table[0]]
    missing = [_label(column) for column in REQUIRED if column not in header]
    if missing:
        raise ImportFailed([f"第1行：缺少列 {'、'.join(missing)}"])
    items, errors, seen = [], [], {}
    for line, cells in enumerate(table[1:], start=2):
        raw = {h: (cell or "").strip() for h, cell in zip(header, cells)}
        if not any(raw.values()):
            continue
        item, row_errors = _parse(line, raw)
        if item and item["code"] in seen:
            row_errors.append(f"第{line}行：编码 {item['code']} 与第{seen[item['code']]}行重复")
        errors += row_errors
        if item and not row_errors:
            seen[item["code"]] = line
            items.append(item)
    if errors:
        raise ImportFailed(errors)
    return items


def _parse(line: int, raw: dict) -> tuple[dict | None, list[str]]:
    errors = [f"第{line}行：{_label(column)} 不能为空" for column in REQUIRED if not raw.get(column)]
    if errors:
        return None, errors
    if raw["group"] not in CATALOGUE_GROUPS:
        errors.append(f"第{line}行：分组应为 {'/'.join(CATALOGUE_GROUPS)} 之一")
    try:
        points = int(float(raw["points"]))
    except ValueError:
        points = 0
    if not 1 <= points <= MAX_POINTS:
        errors.append(f"第{line}行：积分应为 1 到 {MAX_POINTS} 的整数")
    proof = PROOFS.get(raw.get("proof", "").replace("＋", "+").replace(" ", ""))
    if proof is None:
        errors.append(f"第{line}行：完成凭证应为 照片、说明 或 照片+说明")
    if len(raw["code"]) > 32 or len(raw["title"]) > 100:
        errors.append(f"第{line}行：编码最长 32 字、事项名称最长 100 字")
    if errors:
        return None, errors
    return {"code": raw["code"], "group": raw["group"], "title": raw["title"],
            "description": raw.get("description", ""), "points": points,
            "proof_photo": "photo" in proof, "proof_note": "note" in proof}, []


def _label(column: str) -> str:
    return next(name for name, c in HEADERS.items() if c == column)


def import_catalogue(path: Path) -> int:
    """Create or update every item of the file (all or none); returns the row count."""
    items = read_items(path)
    existing = {item.code: item for item in db.session.scalars(select(CatalogueItem))}
    for fields in items:
        item = existing.get(fields["code"])
        if item is None:
            db.session.add(CatalogueItem(**fields))
            continue
        for name, value in fields.items():
            setattr(item, name, value)
    db.session.flush()
    return len(items)
