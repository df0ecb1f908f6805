import csv

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.core.db import db
from backend.grids.importer import ImportFailed, import_grids
from backend.grids.models import Grid

HEADER = ["网格编码", "上级编码", "层级", "层级名称", "网格名称", "类型", "党组织类型", "党组织名称", "网格长", "成员单位", "边界"]
GOOD = [
    ["S", "", "1", "街道总网格", "某街道", "混合", "党工委", "某街道党工委", "王一", "城管:城管中队", ""],
    ["S-1", "S", "2", "片区网格", "第一片区", "住宅", "党委", "第一片区党委", "李二", "", ""],
    ["S-1-1", "S-1", "3", "居民区网格", "甲居民区", "住宅", "党总支", "甲党总支", "张三", "物业:甲物业|居委会:甲居委会", ""],
    ["S-1-1-1", "S-1-1", "4", "微网格", "甲一微网格", "住宅", "党支部", "甲一党支部", "赵四", "",
     "121.0 31.0, 121.1 31.0, 121.1 31.1, 121.0 31.1"],
    ["S-1-1-1-1", "S-1-1-1", "5", "楼组", "1号楼", "住宅", "党小组", "1号楼党小组", "钱五", "", ""],
]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def grid_count():
    return db.session.scalar(select(func.count()).select_from(Grid))


def test_five_level_tree_from_csv(tmp_path):
    assert import_grids(write_csv(tmp_path / "g.csv", GOOD)) == 5
    db.session.commit()
    leaf = db.session.scalar(select(Grid).where(Grid.code == "S-1-1-1-1"))
    assert leaf.level == 5 and leaf.party_org_type == "党小组"
    assert len(leaf.ancestor_ids()) == 5
    community = db.session.scalar(select(Grid).where(Grid.code == "S-1-1"))
    assert [(u.kind, u.name) for u in community.member_units] == [("物业", "甲物业"), ("居委会", "甲居委会")]
    micro = db.session.scalar(select(Grid).where(Grid.code == "S-1-1-1"))
    assert micro.contains_point(121.05, 31.05) and not micro.contains_point(121.2, 31.05)


def test_xlsx_is_read_like_csv(tmp_path):
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *GOOD[:3]]:
        sheet.append([int(v) if v.isdigit() else v for v in row])  # Excel keeps levels as numbers
    book.save(tmp_path / "g.xlsx")
    assert import_grids(tmp_path / "g.xlsx") == 3
    assert grid_count() == 3


def test_reimport_is_idempotent(tmp_path):
    path = write_csv(tmp_path / "g.csv", GOOD)
    import_grids(path)
    db.session.commit()
    import_grids(path)
    db.session.commit()
    assert grid_count() == 5


@pytest.mark.parametrize(
    "bad_row, message",
    [
        (["X", "NOPE", "2", "", "孤儿网格", "住宅", "", "", "", "", ""], "第7行：上级编码 NOPE 不存在"),
        (["X", "S", "3", "", "跳级网格", "住宅", "", "", "", "", ""], "第7行：上级 S 的层级应为 2"),
        (["X", "S", "9", "", "太深", "住宅", "", "", "", "", ""], "第7行：层级必须是 1 到 5 的整数"),
        (["X", "S", "2", "", "", "住宅", "", "", "", "", ""], "第7行：name 不能为空"),
        (["X", "S", "2", "", "怪类型", "城堡", "", "", "", "", ""], "第7行：类型“城堡”无法识别"),
        (["X", "S", "2", "", "坏组织", "住宅", "党中央", "", "", "", ""], "第7行：党组织类型应为"),
        (["X", "S", "2", "", "坏单位", "住宅", "", "", "", "只有名字", ""], "第7行：成员单位“只有名字”应写成 类型:名称"),
        (["X", "S", "2", "", "坏边界", "住宅", "", "", "", "", "121 31, 122"], "第7行：边界应为至少三个"),
        (["S-1", "S", "2", "", "重复", "住宅", "", "", "", "", ""], "第7行：网格编码 S-1 与第3行重复"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_loaded(tmp_path, bad_row, message):
    with pytest.raises(ImportFailed) as failure:
        import_grids(write_csv(tmp_path / "g.csv", [*GOOD, bad_row]))
    db.session.rollback()
    assert any(error.startswith(message) for error in failure.value.errors), failure.value.errors
    assert grid_count() == 0


def test_missing_columns_are_reported(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("网格编码,层级\nS,1\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="缺少列 name"):
        import_grids(path)


def test_cli_reports_errors_and_exit_code(app, tmp_path):
    runner = app.test_cli_runner()
    bad = write_csv(tmp_path / "bad.csv", [GOOD[0], ["X", "NOPE", "2", "", "孤儿", "住宅", "", "", "", "", ""]])
    result = runner.invoke(args=["grids", "import", str(bad)])
    assert result.exit_code != 0
    assert "第3行：上级编码 NOPE 不存在" in result.output
    assert grid_count() == 0
    result = runner.invoke(args=["grids", "import", str(write_csv(tmp_path / "good.csv", GOOD))])
    assert result.exit_code == 0, result.output
    assert grid_count() == 5


def test_moving_a_grid_moves_its_subtree(tmp_path):
    import_grids(write_csv(tmp_path / "g.csv", GOOD + [["S-2", "S", "2", "片区网格", "第二片区", "住宅", "", "", "", "", ""]]))
    db.session.commit()
    moved = [row[:] for row in GOOD]
    moved[2][1] = "S-2"  # 甲居民区 moves from 第一片区 to 第二片区
    import_grids(write_csv(tmp_path / "moved.csv", moved))
    db.session.commit()
    second = db.session.scalar(select(Grid).where(Grid.code == "S-2"))
    leaf = db.session.scalar(select(Grid).where(Grid.code == "S-1-1-1-1"))
    assert leaf.path.startswith(second.path)
