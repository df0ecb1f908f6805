"""The grid tree's own figures for a subtree: grids per level and the people in them.

People with a role are counted per grid they hold it in: a person who is a party member in
two grids of a 居民区 counts twice there (role holdings add up level by level; distinct people
would not). Bench recounts count the same way.
"""
from backend.stats import figures as stat_figures


def grid_stats(grid, figures: dict | None = None) -> dict:
    figures = stat_figures.read(grid) if figures is None else figures
    levels = {int(metric.rsplit(".", 1)[1]): n for metric, n in figures.items()
              if metric.startswith("grids.level.") and n}
    return {
        "grids_by_level": {str(level): levels[level] for level in sorted(levels)},
        "residents_bound": figures["grids.residents"],
        "party_members": figures["grids.role.party_member"],
        "leaders": figures["grids.role.grid_leader"],
        "handlers": figures["grids.role.handler"],
    }
