"""Grid statistics recounted from scratch in SQL, compared with what GET /grids/{id}/stats says."""
from __future__ import annotations

import requests

from bench.plan import GridRow


def _one(conn, sql: str, *params) -> int:
    return int(conn.execute(sql, params).fetchone()[0] or 0)


def recount(conn, grid: GridRow, tables: set[str]) -> dict[tuple[str, str], object]:
    """The figures that can be counted straight from the base tables, by section and name."""
    prefix = grid.path + "%"
    in_subtree = "SELECT id FROM grids WHERE path LIKE %s"
    # Role holdings, as the API counts them: a person counts once per grid they hold the role in.
    role_count = ("SELECT count(*) FROM role_assignments r JOIN grids g ON g.id = r.grid_id"
                  " WHERE r.role = %s AND g.path LIKE %s")
    figures: dict[tuple[str, str], object] = {
        ("grids", "grids_by_level"): {str(level): n for level, n in conn.execute(
            "SELECT level, count(*) FROM grids WHERE path LIKE %s GROUP BY level ORDER BY level", (prefix,))},
        ("grids", "residents_bound"): _one(conn, f"SELECT count(*) FROM users WHERE grid_id IN ({in_subtree})", prefix),
        ("grids", "party_members"): _one(conn, role_count, "party_member", prefix),
        ("grids", "leaders"): _one(conn, role_count, "grid_leader", prefix),
    }
    if "tasks" in tables:
        tasks = f"SELECT id FROM tasks WHERE grid_id IN ({in_subtree})"
        figures |= {
            ("tasks", "tasks_total"): _one(conn, f"SELECT count(*) FROM ({tasks}) t", prefix),
            ("tasks", "claims"): _one(conn, f"SELECT count(*) FROM task_claims WHERE status <> 'released'"
                                            f" AND task_id IN ({tasks})", prefix),
            ("tasks", "completions_verified"): _one(conn, f"SELECT count(*) FROM task_claims WHERE status = 'verified'"
                                                          f" AND task_id IN ({tasks})", prefix),
            ("tasks", "points_awarded"): _one(conn, "SELECT sum(points) FROM point_entries WHERE source = 'task'"
                                                    " AND grid_path LIKE %s", prefix),
        }
    if "point_entries" in tables:
        figures |= {
            ("points", "awarded"): _one(conn, "SELECT sum(points) FROM point_entries WHERE grid_path LIKE %s", prefix),
            # Member and grid pairs, as the API counts them.
            ("points", "members_with_points"): _one(conn, "SELECT count(*) FROM (SELECT DISTINCT grid_path, user_id"
                                                          " FROM point_entries WHERE grid_path LIKE %s) p", prefix),
        }
    if "activities" in tables:
        figures |= {
            ("party", "activities"): _one(conn, "SELECT count(*) FROM activities WHERE grid_path LIKE %s", prefix),
            ("party", "checkins"): _one(conn, "SELECT count(*) FROM checkins c JOIN activities a ON a.id = c.activity_id"
                                              " WHERE a.grid_path LIKE %s", prefix),
        }
    if "reports" in tables:
        figures[("reports", "total")] = _one(
            conn, f"SELECT count(*) FROM reports WHERE origin_grid_id IN ({in_subtree})", prefix)
    return figures


def _api_value(sections: dict, section: str, name: str):
    body = sections.get(section, {})
    if section == "reports":
        body = body.get("reports", body)
    return body.get(name)


def compare(fx, grid: GridRow) -> str:
    """'✓ equal …' when every recounted figure matches the endpoint's, else the differences."""
    response = requests.get(f"{fx.base_url}/api/v1/grids/{grid.id}/stats",
                            headers={"Authorization": f"Bearer {fx.token(fx.plan.leader_of(grid.id))}"}, timeout=120)
    if response.status_code != 200:
        return f"✗ stats answered {response.status_code}"
    sections = response.json()["sections"]
    tables = {name for (name,) in fx.conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    expected = recount(fx.conn, grid, tables)
    differences = [f"{section}.{name}: api {_api_value(sections, section, name)} ≠ recount {value}"
                   for (section, name), value in expected.items() if _api_value(sections, section, name) != value]
    if differences:
        return "✗ " + "; ".join(differences[:3])
    return f"✓ equal to a recount ({len(expected)} figures, {grid.name})"
