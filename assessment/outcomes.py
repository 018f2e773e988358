"""The customer outcomes index and the reality gap (docs/methods.md §8.1). Pure: no ORM.

A maturity score says how a bank manages customer experience; its customers' metrics say what
that management achieves. The outcomes index reads every customer metric that has data-evidence
thresholds and a sufficient sample as a level by those thresholds, and averages the levels' scores
(25 · (level − 1)) on the 0–100 scale of the maturity score. The reality gap is the maturity score
minus the index: when management reads far better than its results, the overall level is capped
one level above the outcomes' level.
"""

from collections.abc import Mapping, Sequence

from assessment.method import LEVEL_STEP, Method, level_of
from assessment.metrics import EvidenceSample, evidence_level, metric
from assessment.results import GateReason, Outcomes


def outcomes_compute(
    *,
    samples: Sequence[EvidenceSample],
    thresholds: Mapping[str, tuple],
    edges: Sequence[float],
    intervals: bool = False,
) -> Outcomes | None:
    """The index of the metrics on a sufficient sample (None when none is), its level by the
    method's `edges`, and each metric's value, the interval its level was read from (with
    `intervals`, where it has one; else None), level and score."""
    rows = []
    for item in samples:
        if not item.sufficient:
            continue
        interval = item.interval if intervals else None
        level = evidence_level(metric(item.key), item.value, thresholds[item.key], interval)
        rows.append(
            {"key": item.key, "value": item.value, "interval": interval and list(interval), "level": level}
        )
    if not rows:
        return None
    for row in rows:
        row["score"] = LEVEL_STEP * (row["level"] - 1)
    index = sum(row["score"] for row in rows) / len(rows)
    return {"index": index, "level": level_of(index, edges), "metrics": rows}


def reality_gap_reason(
    *, score: float | None, outcomes: Outcomes | None, method: Method
) -> GateReason | None:
    """A reason capping the overall level one above the outcomes' level when the maturity score
    exceeds the outcomes index by more than the method allows (assessment.gating)."""
    if method.max_reality_gap is None or score is None or outcomes is None:
        return None
    gap = score - outcomes["index"]
    if gap <= method.max_reality_gap:
        return None
    return {
        "code": "reality_gap",
        "gap": gap,
        "limit": method.max_reality_gap,
        "outcomes_level": outcomes["level"],
        "cap": outcomes["level"] + 1,
    }
