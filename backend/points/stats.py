"""Points earned inside a subtree, this month and in all.

``members_with_points`` counts a member once in each grid where they earned points (member and
grid pairs): distinct people would not add up level by level. Bench recounts count the same way.
"""
from backend.stats import figures as stat_figures


def grid_stats(grid, figures: dict | None = None) -> dict:
    figures = stat_figures.read(grid) if figures is None else figures
    return {"awarded": figures["points.awarded"], "awarded_this_month": figures["points.this_month"],
            "members_with_points": figures["points.members"]}
