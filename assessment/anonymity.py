"""Which respondent groups the scores may show without giving a smaller group away
(docs/methods.md §5.1): a pure function of how many respondents submitted per role and
department. No ORM.

Everyone who reads the scores sees the survey figures of all respondents together, the survey
scores of the groups shown and how many respondents each has, and, side by side, management's
and the front line's. Hiding the groups of fewer than k respondents is not enough: the others
and the totals give a hidden group away by subtraction. So, as statistical offices do:

1. a group of fewer than k respondents is hidden (primary suppression);
2. everyone minus the shown groups of a dimension are its hidden groups together: while they
   number more than 0 but fewer than k, the smallest shown group is hidden too (complementary
   suppression); when at most one group would stay shown, the whole dimension is hidden;
3. management vs front line is shown only when each side has at least k respondents;
4. every respondent is placed in a *class* by what the scores show about them: their role group
   (or "another role", split by side while management vs front line is shown) and their
   department group (or "another department"). Every class must hold at least k respondents;
   while one holds fewer, the smallest shown group that defines it, or whose respondents would
   join it, is hidden (a department before a role of the same size; management vs front line
   when no shown group does), and the rules apply again.

Every figure shown is then computed over whole classes, so two respondents of one class can swap
questionnaires without any figure changing: no one's answer, and no figure of a hidden group (which
never fills a class: it has fewer than k respondents), can be told from the others' by anything
shown, unless their whole class answered alike.

The platform tries, in this order: both dimensions, only roles, only departments, each with and
then without management vs front line, and shows the arrangement that shows the most groups
(each side of management vs front line counting as one). With fewer than k respondents in all,
nothing is shown by group.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

MANAGEMENT_ROLES = ("executive", "manager")
FRONTLINE_ROLES = ("frontline",)
BREAKDOWN_DIMENSIONS = ("role", "department")
SIDES = ("management", "frontline")
NO_SIDE = ""
NEITHER = len(SIDES)  # the number of "neither side" after those of SIDES
# The block of a respondent whose group is not shown: the dimension's hidden groups together.
OTHERS = "*"
# The arrangements tried, in order of preference: the dimensions that may be shown, and whether
# management vs front line may be.
ARRANGEMENTS = tuple(
    (dimensions, gaps)
    for dimensions in (BREAKDOWN_DIMENSIONS, ("role",), ("department",))
    for gaps in (True, False)
)


@dataclass(frozen=True)
class Disclosure:
    """What the scores of an assessment may show by group."""

    k: int
    shown: Mapping[str, frozenset[str]]  # dimension → the groups shown
    hidden: Mapping[str, int]  # dimension → how many groups are not shown
    gaps: bool  # management vs front line

    @property
    def extent(self) -> int:
        """How much it shows: the groups, and each side of management vs front line."""
        return sum(len(groups) for groups in self.shown.values()) + (len(SIDES) if self.gaps else 0)


def gap_side(roles: Iterable[str]) -> np.ndarray:
    """The side of each role in the management vs front line comparison ("" for neither)."""
    roles = pd.Series(list(roles), dtype=object)
    return np.select(
        [roles.isin(MANAGEMENT_ROLES), roles.isin(FRONTLINE_ROLES)], list(SIDES), NO_SIDE
    ).astype(object)


@dataclass(frozen=True)
class _Table:
    """Submitted respondents per role and department, as arrays: one entry per non-empty
    combination, groups numbered in name order."""

    names: Mapping[str, np.ndarray]  # dimension → group names, sorted
    codes: Mapping[str, np.ndarray]  # dimension → each combination's group number
    counts: np.ndarray  # respondents per combination
    sides: np.ndarray  # per role: its side's number in SIDES, or NEITHER

    def sizes(self, dimension: str) -> np.ndarray:
        return np.bincount(self.codes[dimension], self.counts, minlength=len(self.names[dimension])).astype(
            int
        )


def _table(respondents: pd.DataFrame) -> _Table:
    frame = respondents.astype({"role": str, "department": str})
    cells = frame.groupby(["role", "department"])["count"].sum()
    cells = cells[cells > 0]
    names, codes = {}, {}
    for dimension in BREAKDOWN_DIMENSIONS:
        names[dimension], codes[dimension] = np.unique(
            cells.index.get_level_values(dimension).to_numpy(dtype=object), return_inverse=True
        )
    sides = pd.Series(gap_side(names["role"])).map(
        {**{side: n for n, side in enumerate(SIDES)}, NO_SIDE: NEITHER}
    )
    return _Table(names=names, codes=codes, counts=cells.to_numpy(dtype=int), sides=sides.to_numpy(dtype=int))


def _dimension_shown(sizes: np.ndarray, k: int, forced: np.ndarray) -> np.ndarray:
    """Which groups of one dimension stay shown after primary and complementary suppression,
    the `forced` ones hidden as well."""
    hidden = (sizes < k) | forced
    smallest_first = np.lexsort((np.arange(len(sizes)), sizes))
    while 0 < sizes[hidden].sum() < k and not hidden.all():
        hidden[smallest_first[~hidden[smallest_first]][0]] = True
    if hidden.any() and (~hidden).sum() < 2:
        hidden[:] = True
    return ~hidden


def _gaps_disclosable(table: _Table, k: int) -> bool:
    per_side = np.bincount(table.sides[table.codes["role"]], table.counts, minlength=NEITHER + 1)
    return bool((per_side[: len(SIDES)] >= k).all())


def _enlarging(
    table: _Table, shown: Mapping[str, np.ndarray], gaps: bool, k: int
) -> dict[str, np.ndarray] | None:
    """Per dimension, the shown groups whose hiding would enlarge a class of fewer than k
    respondents: a group the class is defined by, or one whose respondents would join it.
    None when every class holds at least k.

    A class is (role block, department block): a shown role's number, or the number of roles
    plus the side (0 while management vs front line is not shown) for another role; a shown
    department's number, or the number of departments for another department."""
    roles, departments = (table.codes[dimension] for dimension in BREAKDOWN_DIMENSIONS)
    role_count, department_count = (len(table.names[dimension]) for dimension in BREAKDOWN_DIMENSIONS)
    other_role = role_count + (table.sides if gaps else np.zeros(role_count, dtype=int))
    role_blocks = np.where(shown["role"][roles], roles, other_role[roles])
    department_blocks = np.where(shown["department"][departments], departments, department_count)
    classes = np.zeros((role_count + NEITHER + 1, department_count + 1), dtype=int)
    np.add.at(classes, (role_blocks, department_blocks), table.counts)
    # Who would join a class: a shown role's respondents per department block, a shown
    # department's per role block.
    by_role = np.zeros((role_count, department_count + 1), dtype=int)
    np.add.at(by_role, (roles, department_blocks), table.counts)
    by_department = np.zeros((role_count + NEITHER + 1, department_count), dtype=int)
    np.add.at(by_department, (role_blocks, departments), table.counts)
    small = np.nonzero((classes > 0) & (classes < k))
    if not len(small[0]):
        return None
    enlarging = {
        dimension: np.zeros(len(table.names[dimension]), dtype=bool) for dimension in BREAKDOWN_DIMENSIONS
    }
    for role_block, department_block in zip(*small, strict=True):
        if role_block < role_count:
            enlarging["role"][role_block] = True
        else:
            enlarging["role"] |= (
                shown["role"] & (other_role == role_block) & (by_role[:, department_block] > 0)
            )
        if department_block < department_count:
            enlarging["department"][department_block] = True
        else:
            enlarging["department"] |= shown["department"] & (by_department[role_block] > 0)
    return enlarging


def _arranged(table: _Table, k: int, dimensions: tuple[str, ...], gaps: bool) -> Disclosure:
    """The groups shown when only `dimensions` (and, if `gaps`, management vs front line) may
    be: rules 1–4, hiding groups until every class holds at least k respondents."""
    sizes = {dimension: table.sizes(dimension) for dimension in BREAKDOWN_DIMENSIONS}
    forced = {dimension: np.full(len(sizes[dimension]), dimension not in dimensions) for dimension in sizes}
    gaps = gaps and _gaps_disclosable(table, k)
    while True:
        shown = {dimension: _dimension_shown(sizes[dimension], k, forced[dimension]) for dimension in sizes}
        enlarging = _enlarging(table, shown, gaps, k)
        if enlarging is None:
            break
        candidates = [
            # The smallest group; between equals a department, the finer and more telling split.
            (sizes[dimension][group], dimension != "department", group, dimension)
            for dimension in BREAKDOWN_DIMENSIONS
            for group in np.flatnonzero(enlarging[dimension])
        ]
        if candidates:
            _size, _role, group, dimension = min(candidates)
            forced[dimension][group] = True
            continue
        if not gaps:
            break
        gaps = False  # a class of hidden roles on one side and hidden departments: no comparison
    return Disclosure(
        k=k,
        shown={dimension: frozenset(table.names[dimension][shown[dimension]]) for dimension in sizes},
        hidden={dimension: int((~shown[dimension]).sum()) for dimension in sizes},
        gaps=gaps,
    )


def groups_disclosed(*, respondents: pd.DataFrame, k: int) -> Disclosure:
    """The groups the scores may show, from how many respondents submitted per role and
    department (role, department, count), by the rules of this module's docstring."""
    table = _table(respondents)
    if table.counts.sum() < k:
        return Disclosure(
            k=k,
            shown={dimension: frozenset() for dimension in BREAKDOWN_DIMENSIONS},
            hidden={dimension: len(table.names[dimension]) for dimension in BREAKDOWN_DIMENSIONS},
            gaps=False,
        )
    arrangements = [_arranged(table, k, dimensions, gaps) for dimensions, gaps in ARRANGEMENTS]
    return max(arrangements, key=lambda disclosure: disclosure.extent)  # the first of the largest


def result_disclosed(result: Mapping, disclosure: Disclosure) -> dict:
    """A stored score result (a snapshot, maybe stored under an earlier rule or threshold)
    showing no group and no management vs front line comparison that `disclosure` does not
    allow. Showing fewer groups than allowed gives nothing more away: its classes are unions of
    the allowed ones."""
    shown = dict(result)
    if "breakdowns" in result:
        breakdowns = result["breakdowns"]
        kept = {
            dimension: [
                group for group in breakdowns[dimension] if group["group"] in disclosure.shown[dimension]
            ]
            for dimension in BREAKDOWN_DIMENSIONS
        }
        every = {
            dimension: len(disclosure.shown[dimension]) + disclosure.hidden[dimension]
            for dimension in BREAKDOWN_DIMENSIONS
        }
        for dimension in BREAKDOWN_DIMENSIONS:
            if len(kept[dimension]) < 2 and len(kept[dimension]) < every[dimension]:
                kept[dimension] = []
        shown["breakdowns"] = {
            **breakdowns,
            **kept,
            **{
                f"{dimension}_hidden": every[dimension] - len(kept[dimension])
                for dimension in BREAKDOWN_DIMENSIONS
            },
            "anonymity_k": disclosure.k,
        }
    if "gaps" in result:
        shown["gaps"] = [
            gap for gap in result["gaps"] if disclosure.gaps or gap["kind"] != "management_vs_frontline"
        ]
    return shown
