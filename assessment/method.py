"""The versions of the scoring method (docs/methods.md §1, §3). A new assessment is scored by the
current version; an assessment keeps the version it was created with, and a published snapshot
the one it was scored with, so what a client has read never changes under it. Pure: no ORM.

- Version 1: levels in bands of 20 points; every answer on an indicator weighs the same.
- Version 2: each level's anchor (an answer of k scores 25·(k − 1)) sits at the centre of its
  band, so the level is the mean answer rounded half up; an indicator's survey evidence balances
  the respondents' roles (role_balanced_means); the customer outcomes index stands beside the
  maturity score and caps its level when the two are far apart (assessment.outcomes); the roadmap
  puts value per effort first, after prerequisites, and holds 12 initiatives; a customer
  metric's level as evidence is read from its 95 % interval, not its value alone; churn counts
  the clients gone inactive beside those closed (the customer data's churn basis) and is
  annualised when its period is not a year, and CLV reads that annual rate (assessment.loyalty).
"""

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Method:
    version: int
    # The lowest scores of levels 2, 3, 4 and 5; a score on an edge belongs to the upper level.
    level_edges: tuple[float, float, float, float]
    role_balance: bool
    # A role with fewer answers on an indicator than this joins the pooled group.
    min_role_answers: int = 3
    # The largest reality gap (maturity score − customer outcomes index) the overall level
    # stands; beyond it the level is capped one above the outcomes' (assessment.outcomes).
    # None: no outcomes index.
    max_reality_gap: float | None = None
    # Areas capped by their weakest critical indicator, the overall level by the weakest area
    # (assessment.gating).
    gating: bool = False
    # The roadmap (reports.recommendations): ranked by expected value per effort in an order that
    # respects prerequisites, and at most this many initiatives before the rest is "later".
    # None: ranked by the overall points that close the gap to the next level, uncapped.
    roadmap_limit: int | None = None
    # A customer metric's level as evidence is read from its 95 % interval, towards the middle
    # level (assessment.metrics.evidence_level); otherwise from its value.
    interval_evidence: bool = False
    # Churn (assessment.loyalty, docs/methods.md §7.8): clients closed within the period, gone
    # inactive (no activity for more than 90 days before its end) or either, as the customer
    # data's churn basis says, the rate annualised when the period is not a year. False: closures
    # within the period only, the period's rate as it is.
    behavioural_churn: bool = False


METHODS = {
    1: Method(version=1, level_edges=(20.0, 40.0, 60.0, 80.0), role_balance=False),
    2: Method(
        version=2,
        level_edges=(12.5, 37.5, 62.5, 87.5),
        role_balance=True,
        max_reality_gap=20.0,
        gating=True,
        roadmap_limit=12,
        interval_evidence=True,
        behavioural_churn=True,
    ),
}
CURRENT_METHOD_VERSION = 2
# An assessment may hold its roadmap to fewer or more initiatives than its method's limit, within
# these: one initiative at least, and no more than a programme of a few years can carry.
ROADMAP_LIMIT_MIN = 1
ROADMAP_LIMIT_MAX = 40
TOP_SCORE = 100.0
# An answer (or a metric's level) one level higher scores this many points more: 25 · (level − 1).
LEVEL_STEP = 25.0
# The pooled group of the roles too small to stand alone (no role is named so).
_POOLED = ""


def method_get(version: int | None) -> Method:
    """The method of a version; None, for results stored before methods had versions, is 1."""
    return METHODS[version or 1]


def result_method(result: Mapping) -> Method:
    """The method a score result (live or a snapshot's) was computed with."""
    return method_get(result.get("method_version"))


def level_of(score: float, edges: Sequence[float]) -> int:
    """Maturity level 1..5 of an unrounded 0–100 score by a method's level edges."""
    return int(np.searchsorted(edges, score, side="right")) + 1


def level_bands(edges: Sequence[float]) -> list[tuple[float, float]]:
    """(low, high) of each level, 1 to 5."""
    bounds = (0.0, *edges, TOP_SCORE)
    return list(itertools.pairwise(bounds))


def role_balanced_means(
    answers: pd.DataFrame, codes: pd.Index, *, min_role_answers: int, roles_shown: Collection[str]
) -> pd.Series:
    """Per indicator, the mean of its groups' mean answers: each role with at least
    `min_role_answers` answers (don't know excluded) on the indicator is a group, and the answers
    of the other roles together form one more group. Only a role the scores may show
    (`roles_shown`, assessment.anonymity) stands alone: with the raw mean beside it, a hidden
    role's own mean would follow. `answers` are weighted rows: indicator, role, level (NaN for
    don't know), count."""
    known = answers[answers["level"].notna() & (answers["count"] > 0)]
    per_role = (
        known.assign(total=known["level"] * known["count"], role=known["role"].astype(str))
        .groupby(["indicator", "role"], observed=True)[["total", "count"]]
        .sum()
    )
    roles = per_role.index.get_level_values("role")
    alone = roles.isin(list(roles_shown)) & (per_role["count"].to_numpy() >= min_role_answers)
    group = roles.where(alone, _POOLED)
    grouped = per_role.groupby([per_role.index.get_level_values("indicator"), group]).sum()
    group_means = grouped["total"] / grouped["count"]
    return group_means.groupby(level=0).mean().reindex(codes)
