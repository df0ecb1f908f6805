"""Load a street's grid tree from the spreadsheet street staff already keep.

Every row is checked before anything is written; a file with any bad row is
refused whole, with each problem named by its row number. Rows are matched by
grid code, so importing the same file again changes nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, update

from backend.core.db import db
from backend.grids.models import GRID_KINDS, MAX_LEVEL, PARTY_ORG_TYPES, Grid, MemberUnit
from backend.party.models import Activity
from backend.points.models import PointEntry
from backend.stats.fold import grid_moved

# Chinese headers as street staff write them, and our column names.
HEADER_ALIASES = {
    "网格编码": "code", "编码": "code",
    "上级编码": "parent_code", "上级网格编码": "parent_code",
    "层级": "level", "层级名称": "level_name",
    "网格名称": "name", "名称": "name",
    "类型": "kind",
    "党组织类型": "party_org_type", "党组织名称": "party_org_name",
    "网格长": "leader_name", "网格长电话": "leader_phone",
    "成员单位": "member_units", "边界": "boundary",
}
KIND_ALIASES = {"住宅": "residential", "居民区": "residential", "楼宇": "office",
                "商务楼宇": "office", "商圈": "commercial", "混合": "mixed"}
REQUIRED = ("code", "level", "name")


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class GridRow:
    line: int
    code: str
    parent_code: str
    level: int
    name: str
    level_name: str = ""
    kind: str = "residential"
    party_org_type: str = ""
    party_org_name: str = ""
    leader_name: str = ""
    leader_phone: str = ""
    member_units: list[tuple[str, str]] = field(default_factory=list)
    boundary: list | None = None


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(spreadsheet row number, {column: text}) for each non-empty data row."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _xlsx_table(path)
    else:
        text = path.read_bytes().decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
    if not table:
        raise ImportFailed(["文件为空"])
    header = [HEADER_ALIASES.get(h.strip(), h.strip()) for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([f"第1行：缺少列 {', '.join(missing)}"])
    return [
        (number, {h: (cell or "").strip() for h, cell in zip(header, cells)})
        for number, cells in enumerate(table[1:], start=2)
        if any((cell or "").strip() for cell in cells)
    ]


def _xlsx_table(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFailed([f"无法读取 Excel 文件：{exc}"])
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def parse_row(line: int, raw: dict) -> tuple[GridRow | None, list[str]]:
    errors = [f"第{line}行：{col} 不能为空" for col in REQUIRED if not raw.get(col)]
    level = _parse_level(raw.get("level", ""))
    if raw.get("level") and level is None:
        errors.append(f"第{line}行：层级必须是 1 到 {MAX_LEVEL} 的整数")
    kind = KIND_ALIASES.get(raw.get("kind", ""), raw.get("kind") or "residential")
    if kind not in GRID_KINDS:
        errors.append(f"第{line}行：类型“{raw['kind']}”无法识别")
    org_type = raw.get("party_org_type", "")
    if org_type and org_type not in PARTY_ORG_TYPES:
        errors.append(f"第{line}行：党组织类型应为 {'/'.join(PARTY_ORG_TYPES)} 之一")
    units, unit_errors = _parse_units(line, raw.get("member_units", ""))
    boundary, boundary_errors = _parse_boundary(line, raw.get("boundary", ""))
    errors += unit_errors + boundary_errors
    if errors:
        return None, errors
    return GridRow(
        line=line, code=raw["code"], parent_code=raw.get("parent_code", ""), level=level,
        name=raw["name"], level_name=raw.get("level_name", ""), kind=kind,
        party_org_type=org_type, party_org_name=raw.get("party_org_name", ""),
        leader_name=raw.get("leader_name", ""), leader_phone=raw.get("leader_phone", ""),
        member_units=units, boundary=boundary,
    ), []


def _parse_level(text: str) -> int | None:
    try:
        value = int(float(text))
    except ValueError:
        return None
    return value if 1 <= value <= MAX_LEVEL else None


def _parse_units(line: int, text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """"派出所:石门二路派出所|物业:某物业" → [(kind, name), ...]."""
    units, errors = [], []
    for part in filter(None, (p.strip() for p in text.replace("；", "|").replace(";", "|").split("|"))):
        kind, sep, name = part.replace("：", ":").partition(":")
        if not sep or not kind.strip() or not name.strip():
            errors.append(f"第{line}行：成员单位“{part}”应写成 类型:名称")
        else:
            units.append((kind.strip(), name.strip()))
    return units, errors


def _parse_boundary(line: int, text: str) -> tuple[list | None, list[str]]:
    """"lng lat, lng lat, ..." → [[lng, lat], ...] with at least three corners."""
    if not text:
        return None, []
    try:
        points = [[float(v) for v in pair.split()] for pair in text.split(",") if pair.strip()]
    except ValueError:
        points = []
    if len(points) < 3 or any(len(p) != 2 for p in points):
        return None, [f"第{line}行：边界应为至少三个“经度 纬度”点，用逗号分隔"]
    return points, []


def check_tree(rows: list[GridRow], existing: dict[str, Grid]) -> list[str]:
    errors, seen = [], {}
    for row in rows:
        if row.code in seen:
            errors.append(f"第{row.line}行：网格编码 {row.code} 与第{seen[row.code]}行重复")
        seen[row.code] = row.line
    levels = {code: g.level for code, g in existing.items()} | {r.code: r.level for r in rows}
    for row in rows:
        if row.level == 1:
            if row.parent_code:
                errors.append(f"第{row.line}行：第1层网格不应有上级")
            continue
        if not row.parent_code:
            errors.append(f"第{row.line}行：第{row.level}层网格必须填写上级编码")
        elif row.parent_code not in levels:
            errors.append(f"第{row.line}行：上级编码 {row.parent_code} 不存在")
        elif levels[row.parent_code] != row.level - 1:
            errors.append(f"第{row.line}行：上级 {row.parent_code} 的层级应为 {row.level - 1}")
    return errors


def import_grids(path: Path) -> int:
    """Validate the whole file, then create or update its grids; returns the row count."""
    parsed, errors = [], []
    for line, raw in read_rows(path):
        row, row_errors = parse_row(line, raw)
        errors += row_errors
        if row:
            parsed.append(row)
    existing = {g.code: g for g in db.session.scalars(select(Grid))}
    errors += check_tree(parsed, existing)
    if errors:
        raise ImportFailed(errors)
    for row in sorted(parsed, key=lambda r: r.level):
        existing[row.code] = _upsert(row, existing)
    return len(parsed)


def _upsert(row: GridRow, by_code: dict[str, Grid]) -> Grid:
    grid = by_code.get(row.code) or Grid(code=row.code)
    parent = by_code.get(row.parent_code) if row.parent_code else None
    grid.name, grid.level, grid.level_name, grid.kind = row.name, row.level, row.level_name, row.kind
    grid.party_org_type, grid.party_org_name = row.party_org_type, row.party_org_name
    grid.leader_name, grid.leader_phone = row.leader_name, row.leader_phone
    grid.parent = parent
    grid.set_boundary(row.boundary)
    current_units = [(u.kind, u.name) for u in grid.member_units]
    if current_units != row.member_units:
        grid.member_units = [MemberUnit(kind=k, name=n) for k, n in row.member_units]
    db.session.add(grid)
    db.session.flush()  # the id is part of the path
    old_path, grid.path = grid.path, (parent.path if parent else "/") + f"{grid.id}/"
    if old_path and old_path != grid.path:
        _move_subtree(old_path, grid.path)
        grid_moved(grid, old_path)
    return grid


def _move_subtree(old_path: str, new_path: str) -> None:
    """A grid moved to another parent: its descendants' paths follow it, and so do the paths
    copied onto ledger entries and activities (subtree rankings and figures match on them)."""
    db.session.execute(
        update(Grid)
        .where(Grid.path.startswith(old_path), Grid.path != new_path)
        .values(path=new_path + func.substr(Grid.path, len(old_path) + 1)),
        execution_options={"synchronize_session": False},
    )
    for model in (PointEntry, Activity):
        db.session.execute(
            update(model).where(model.grid_path.startswith(old_path))
            .values(grid_path=new_path + func.substr(model.grid_path, len(old_path) + 1)),
            execution_options={"synchronize_session": False},
        )
