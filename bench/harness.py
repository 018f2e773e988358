"""Shared timing: every benchmark is a ratio against a floor measured in the same run."""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    floor: float
    ratio: float
    target: float

    @property
    def met(self) -> bool:
        return self.ratio <= self.target

    def as_dict(self) -> dict:
        return asdict(self)


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls after one warm-up call."""
    run()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def ratio_result(
    name: str, *, subject: Callable[[], object], floor: Callable[[], object], target: float, repeat: int = 20
) -> Result:
    value = median_seconds(subject, repeat)
    floor_value = median_seconds(floor, repeat)
    return Result(
        name=name,
        value=round(value * 1000, 3),
        unit="ms",
        floor=round(floor_value * 1000, 3),
        ratio=round(value / floor_value, 2),
        target=target,
    )
