"""Rules without HTTP: the catalogue import, inbox, statistics, demo data and erasure."""
from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.core.db import db, utcnow
from backend.core.errors import DomainError
from backend.grids.importer import ImportFailed
from backend.points.models import PointEntry
from backend.inbox.services import inbox_page
from backend.tasks import demo, privacy, services, stats
from backend.tasks.catalogue import import_catalogue
from backend.tasks.models import CatalogueItem, Task, TaskClaim

SAMPLE = demo.CATALOGUE_FILE
HEADER = "编码,分组,事项名称,事项说明,积分,完成凭证\n"


def write(tmp_path, text: str, name="catalogue.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def items() -> dict[str, CatalogueItem]:
    return {item.code: item for item in db.session.scalars(select(CatalogueItem))}


# --- catalogue import ----------------------------------------------------------

def test_the_sample_catalogue_loads_in_three_groups_and_again_changes_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tasks", "import-catalogue", str(SAMPLE)])
    assert result.exit_code == 0 and "30" in result.output
    first = {code: (i.group, i.title, i.points, i.proof_required) for code, i in items().items()}
    assert len(first) == 30
    assert {group for group, *_ in first.values()} == {"平安", "服务", "文明"}
    assert runner.invoke(args=["tasks", "import-catalogue", str(SAMPLE)]).exit_code == 0
    assert {code: (i.group, i.title, i.points, i.proof_required) for code, i in items().items()} == first


def test_reimport_updates_items_by_code(tmp_path):
    import_catalogue(write(tmp_path, HEADER + "PA-01,平安,楼道巡查,,3,照片\n"))
    import_catalogue(write(tmp_path, HEADER + "PA-01,平安,楼道堆物巡查,每周一次,4,照片+说明\n"))
    [item] = items().values()
    assert (item.title, item.description, item.points, item.proof_required) == ("楼道堆物巡查", "每周一次", 4, ["photo", "note"])


def test_a_bad_file_is_refused_whole_with_row_numbers(app, tmp_path):
    text = HEADER + ("PA-01,平安,楼道巡查,,3,照片\n"
                     "PA-02,治安,夜间巡逻,,3,照片\n"
                     ",服务,代配药,,3,照片\n"
                     "PA-01,平安,重复,,3,照片\n"
                     "WM-01,文明,桶边督导,,0,视频\n")
    with pytest.raises(ImportFailed) as failure:
        import_catalogue(write(tmp_path, text))
    errors = failure.value.errors
    assert errors[0].startswith("第3行") and "分组" in errors[0]
    assert errors[1].startswith("第4行") and "编码" in errors[1]
    assert errors[2].startswith("第5行") and "重复" in errors[2]
    assert any(e.startswith("第6行") and "积分" in e for e in errors)
    assert any(e.startswith("第6行") and "完成凭证" in e for e in errors)
    result = app.test_cli_runner().invoke(args=["tasks", "import-catalogue", str(tmp_path / "catalogue.csv")])
    assert result.exit_code != 0 and "第3行" in result.output
    assert items() == {}


def test_missing_columns_and_non_utf8_are_explained(tmp_path):
    with pytest.raises(ImportFailed, match="积分"):
        import_catalogue(write(tmp_path, "编码,分组,事项名称\nPA-01,平安,巡查\n"))
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "PA-01,平安,楼道巡查,,3,照片\n").encode("gbk"))
    with pytest.raises(ImportFailed, match="UTF-8"):
        import_catalogue(path)


def test_xlsx_catalogue(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["编码", "分组", "事项名称", "事项说明", "积分", "完成凭证"])
    sheet.append(["SF-01", "服务", "为高龄老人代配药", "", 5, "照片+说明"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["WM-01", "文明", "垃圾分类桶边督导", "", 3.0, "照片"])
    book.save(tmp_path / "清单.xlsx")
    assert import_catalogue(tmp_path / "清单.xlsx") == 2
    assert items()["WM-01"].points == 3


# --- inbox and statistics ------------------------------------------------------

def submitted_claim(task, person, note="完成"):
    claim, _ = services.claim_task(person, task.id)
    services.submit_proof(person, task.id, claim.id, note, [])
    db.session.commit()
    return claim


def proofs_in_inbox(user):
    return [item for item in inbox_page(user, 1, 100)["items"] if item.kind == "task_proof"]


def test_inbox_lists_proofs_awaiting_verification_in_the_leaders_subtree(member, leader, make_task, tree):
    task_a1 = make_task(tree["a1"], slots=2, proof_photo=False, days=2, title="楼道清理")
    task_b1 = make_task(tree["b1"], proof_photo=False)
    claim = submitted_claim(task_a1, member(tree["a1"], real_name="王建华"))
    submitted_claim(task_b1, member(tree["b1"]))
    services.claim_task(member(tree["a1"]), task_a1.id)  # claimed, nothing to verify yet
    db.session.commit()
    [item] = proofs_in_inbox(leader(tree["a"]))
    assert (item.kind, item.id, item.grid_id, item.status) == ("task_proof", claim.id, tree["a1"].id, "submitted")
    assert item.title == "楼道清理：王建华提交了完成凭证" and item.path == f"/tasks/{task_a1.id}/claims/{claim.id}"
    assert item.deadline == task_a1.deadline and item.overdue is False
    assert proofs_in_inbox(leader(tree["a2"])) == [] and proofs_in_inbox(member(tree["a1"])) == []


def test_inbox_leaves_out_a_leaders_own_proof(make_user, make_task, tree):
    task = make_task(tree["a1"], proof_photo=False)
    both = make_user(roles=[("grid_leader", tree["a"]), ("party_member", tree["a1"])])
    submitted_claim(task, both)
    assert proofs_in_inbox(both) == []


def test_grid_stats_for_a_subtree(member, leader, make_task, tree):
    open_task = make_task(tree["a1"], slots=3, points=4, proof_photo=False)
    make_task(tree["a2"], deadline=utcnow() - timedelta(hours=1))
    other = make_task(tree["b1"], proof_photo=False)
    verified = submitted_claim(open_task, member(tree["a1"]))
    services.verify_claim(leader(tree["a"]), open_task.id, verified.id, approved=True)
    submitted_claim(open_task, member(tree["a1"]))
    given_back, _ = services.claim_task(member(tree["a1"]), open_task.id)
    services.release_claim(given_back.user, open_task.id, given_back.id)
    submitted_claim(other, member(tree["b1"]))
    db.session.commit()
    assert stats.grid_stats(tree["a"]) == {
        "tasks_total": 2, "tasks_open": 1, "claims": 2, "claims_awaiting_verification": 1,
        "completions_verified": 1, "points_awarded": 4,
    }
    assert stats.grid_stats(tree["street"])["tasks_total"] == 3
    assert stats.grid_stats(tree["b1"])["points_awarded"] == 0


# --- demo street ------------------------------------------------------------------

def test_demo_seed_publishes_tasks_and_a_verified_claim_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0

    def figures():
        return (db.session.scalar(select(func.count()).select_from(Task)),
                dict(db.session.execute(select(TaskClaim.status, func.count()).group_by(TaskClaim.status)).all()),
                db.session.scalar(select(func.count()).where(PointEntry.source == "task")),
                db.session.scalar(select(func.count()).select_from(CatalogueItem)))

    first = figures()
    assert first == (10, {"verified": 1, "claimed": 1}, 1, 30)
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert figures() == first
    assert {t.grid.level for t in db.session.scalars(select(Task))} == {2}
    assert all(t.taken == sum(c.status != "released" for c in db.session.scalars(
        select(TaskClaim).where(TaskClaim.task_id == t.id))) for t in db.session.scalars(select(Task)))


# --- personal data ----------------------------------------------------------------

def test_export_and_erasure_of_a_members_claims(member, make_task, tree):
    done = make_task(tree["a1"], proof_photo=False, title="清理")
    held = make_task(tree["a1"], slots=2, title="巡查")
    person = member(tree["a1"])
    submitted_claim(done, person, note="3 号楼王阿姨家门口清理好了")
    services.claim_task(person, held.id)
    db.session.commit()
    exported = privacy.export(person)["claims"]
    assert [(c["task"], c["status"]) for c in exported] == [("清理", "submitted"), ("巡查", "claimed")]
    assert exported[0]["note"].startswith("3 号楼")
    privacy.erase(person)
    db.session.commit()
    claims = db.session.scalars(select(TaskClaim).where(TaskClaim.user_id == person.id)).all()
    assert {c.status for c in claims} == {"released"} and {c.note for c in claims} == {""}
    assert db.session.get(Task, held.id).taken == 0


def test_claims_keep_working_once_postgresql_has_prepared_the_statement(member, make_task, tree):
    """psycopg prepares a statement after five runs on a connection and PostgreSQL turns to a
    generic plan five runs later; that plan must still match ON CONFLICT to the partial unique
    index (a bound predicate would not)."""
    task = make_task(tree["a1"], slots=20)
    people = [member(tree["a1"]) for _ in range(15)]
    for person in people:
        services.claim_task(person, task.id)
    with pytest.raises(DomainError) as refused:
        services.claim_task(people[0], task.id)
    assert refused.value.code == "already_claimed"
    db.session.commit()
    assert db.session.get(Task, task.id).taken == 15
