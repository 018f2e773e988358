"""Shared timing: every benchmark is a ratio against a floor measured in the same run."""

import multiprocessing
import resource
import statistics
import time
import traceback
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


def in_child(run: Callable[[], object], *, timeout: float = 1800) -> tuple[float, int]:
    """Seconds and peak resident memory (KB, ru_maxrss) of run() in a forked child process, so
    that the peak is the run's own, plus the pages of this process it starts with (a forked
    child's peak starts from its resident size, not from this process's peak)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(run, queue))
    process.start()
    try:
        outcome = queue.get(timeout=timeout)
    except Exception as error:
        raise RuntimeError(f"the measured process failed (exit code {process.exitcode})") from error
    finally:
        process.join(timeout=60)
    if isinstance(outcome, str):
        raise RuntimeError(f"the measured process failed:\n{outcome}")
    return outcome


def _child(run: Callable[[], object], queue) -> None:
    start = time.perf_counter()
    try:
        run()
    except Exception:
        queue.put(traceback.format_exc())
        return
    queue.put((time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


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
