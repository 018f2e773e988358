"""Caps on the levels (docs/methods.md §3.5): a level reads from its score, unless something it
rests on is weaker. Method 2:
- an area claims at most one level above its weakest covered critical indicator;
- the overall level is at most one above the weakest area's;
- the overall level is at most one above the customer outcomes' level when the reality gap is
  wider than the method allows (assessment.outcomes).
A capped level keeps its score; its `gated` says which level the score alone reads and why.
Pure: no ORM.
"""

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from assessment.results import Gate, GateReason


def indicator_levels(scores: pd.Series, edges: Sequence[float]) -> pd.Series:
    """Levels 1–5 of the scored indicators by the method's `edges` (unscored left out)."""
    scored = scores.dropna()
    return pd.Series(np.searchsorted(edges, scored.to_numpy(), side="right") + 1, index=scored.index)


def critical_reasons(
    *, levels: pd.Series, critical: pd.Series, covered: pd.Series, area_of: pd.Series, area_names: Mapping
) -> dict[str, GateReason]:
    """Per area, its weakest covered critical indicator as a reason capping the area one level
    above it (the first in catalog order on ties)."""
    eligible = levels[critical.reindex(levels.index, fill_value=False) & covered.reindex(levels.index)]
    if eligible.empty:
        return {}
    weakest = eligible.groupby(area_of.reindex(eligible.index), sort=False).idxmin()
    return {
        area: {
            "code": "critical_indicator",
            "area": area,
            "area_name": area_names.get(area) or {},
            "indicator": code,
            "indicator_level": int(eligible[code]),
            "cap": int(eligible[code]) + 1,
        }
        for area, code in weakest.items()
    }


def weakest_area_reason(area_levels: Mapping[str, int | None], area_names: Mapping) -> GateReason | None:
    """The weakest area with a level as a reason capping the overall level one above it."""
    known = {area: level for area, level in area_levels.items() if level is not None}
    if not known:
        return None
    area = min(known, key=known.__getitem__)
    return {
        "code": "weakest_area",
        "area": area,
        "area_name": area_names.get(area) or {},
        "area_level": known[area],
        "cap": known[area] + 1,
    }


def gate_of(level: int | None, reasons: Iterable[GateReason | None]) -> Gate | None:
    """The cap on `level`: the lowest cap among the reasons below it, with those reasons; None
    when no reason is below the level (or there is no level)."""
    binding = [
        reason for reason in reasons if reason is not None and level is not None and reason["cap"] < level
    ]
    if not binding:
        return None
    return {"uncapped_level": level, "level": min(reason["cap"] for reason in binding), "reasons": binding}
