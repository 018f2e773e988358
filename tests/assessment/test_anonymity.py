"""Anonymity of the respondent groups (assessment.anonymity, docs/methods.md §5.1): no group
under the threshold k can be worked out from what a reader of the scores sees.

The core is a brute-force re-identification attack on small random organizations: from
everything the scores show (per indicator the answers counted, their mean and spread over all
respondents; the groups shown, their sizes and scores; how many are hidden; management vs front
line), enumerate every answer assignment (levels 1–5 or don't know per respondent) that shows
exactly the same, and check that no hidden group's figures and none of its respondents'
answers come out the same in all of them. The attacker is given more than a reader has: every
respondent's role and department, and the figures unrounded.

The one thing no threshold can hide: when everyone who shares what the scores show about a
respondent (their class: role group or another role, by side while management vs front line
is shown; department group or another department) gave the same answer, the figures may pin it.
That is the guarantee's stated limit, and the check allows exactly that.
"""

import itertools
import random

import numpy as np
import pandas as pd
import pytest
from django.test import Client

from assessment import scoring
from assessment.anonymity import (
    BREAKDOWN_DIMENSIONS,
    OTHERS,
    SIDES,
    Disclosure,
    gap_side,
    groups_disclosed,
    result_disclosed,
)
from assessment.demo import DEMO_STAFF
from assessment.models import ScoreSnapshot, Status
from assessment.scoring import EvidenceWeights, scores_compute
from assessment.selectors import assessment_scores_compute
from assessment.services import assessment_update
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import OVERRIDE_REASON, assessment_published, executive_of

INDICATORS = pd.DataFrame(
    {"area": ["organization"], "weight": [1.0], "metric": [None]}, index=pd.Index(["ORG-01"])
)
AREAS = pd.DataFrame({"weight": [1.0], "name": [{"en": "Organization"}]}, index=pd.Index(["organization"]))
ROLES = ("executive", "manager", "frontline", "back_office")
DONT_KNOW = 0  # in the enumeration: 0 is don't know, 1–5 the levels


def _compute(people: list[tuple[str, str]], levels: list[int], k: int):
    """The scores of one indicator in one area, as scoring computes them for the API."""
    answers = pd.DataFrame(
        [
            {
                "indicator": "ORG-01",
                "level": np.nan if level == DONT_KNOW else float(level),
                "role": role,
                "department": department,
                "count": 1,
            }
            for (role, department), level in zip(people, levels, strict=True)
        ]
    )
    respondents = (
        pd.DataFrame(people, columns=["role", "department"]).value_counts().rename("count").reset_index()
    )
    result = scores_compute(
        answers=answers,
        respondents=respondents,
        indicators=INDICATORS,
        areas=AREAS,
        interview=pd.Series(dtype=float),
        data=pd.Series(dtype=float),
        weights=EvidenceWeights(),
        anonymity_k=k,
    )
    return result, scoring.groups_disclosed(respondents=respondents, k=k)


def _figures(assignments: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per assignment: answers counted (don't know aside), their sum and sum of squares."""
    chosen = assignments[:, members]
    levels = np.where(chosen > DONT_KNOW, chosen, 0)
    return (chosen > DONT_KNOW).sum(axis=1), levels.sum(axis=1), (levels**2).sum(axis=1)


def _survey_score(count: int, total: int) -> float | None:
    return 25 * (total / count - 1) if count else None


def _shown_sets(people, result, disclosure: Disclosure) -> list[tuple[str, np.ndarray]]:
    """Every set of respondents whose survey score the scores show, checked against what the
    scores actually show for the true answers by the caller."""
    sets = []
    for index, dimension in enumerate(BREAKDOWN_DIMENSIONS):
        shown = [group["group"] for group in result["breakdowns"][dimension]]
        assert set(shown) == disclosure.shown[dimension]
        sets += [(f"{dimension}:{group}", np.array([p[index] == group for p in people])) for group in shown]
    if disclosure.gaps:
        sides = gap_side([role for role, _ in people])
        sets += [(f"side:{side}", sides == side) for side in SIDES]
    return sets


def _balanced_from_shown(people, levels, sets):
    """The role-balanced mean (assessment.method) from figures the attack already has: the
    shown roles' means and the mean of everyone else, so it tells the attack nothing more."""
    truth = np.array([levels])
    alone = np.zeros(len(people), dtype=bool)
    means = []
    for name, members in sets:
        count, total, _ = (value[0] for value in _figures(truth, members))
        if name.startswith("role:") and count >= 3:
            alone |= members
            means.append(total / count)
    count, total, _ = (value[0] for value in _figures(truth, ~alone))
    means += [total / count] if count else []
    return pytest.approx(np.mean(means)) if means else None


def _check_the_model(people, levels, result, sets) -> None:
    """The figures the attack works from are the ones the scores show."""
    truth = np.array([levels])
    count, total, squares = (value[0] for value in _figures(truth, np.ones(len(people), dtype=bool)))
    item = result["indicators"][0]
    assert item["n"] == count
    assert item["raw_mean_level"] == (pytest.approx(total / count) if count else None)
    assert item["mean_level"] == _balanced_from_shown(people, levels, sets)
    if count > 1:
        assert item["std"] == pytest.approx(np.sqrt((squares - total**2 / count) / (count - 1)), abs=1e-9)
    shown = {
        f"{dimension}:{group['group']}": (group["score"], group["respondents"])
        for dimension in BREAKDOWN_DIMENSIONS
        for group in result["breakdowns"][dimension]
    }
    gaps = {
        f"side:{side}": gap[side]
        for gap in result["gaps"]
        if gap["kind"] == "management_vs_frontline" and gap["scope"] == "indicator"
        for side in SIDES
    }
    # A side without answers leaves both out (the attack is told both sides, or that one has none).
    both_sides = all(_figures(truth, members)[0][0] for name, members in sets if name.startswith("side:"))
    for name, members in sets:
        count, total, _ = (value[0] for value in _figures(truth, members))
        if name.startswith("side:"):
            assert gaps.get(name) == (pytest.approx(_survey_score(count, total)) if both_sides else None)
        else:
            score, respondents = shown[name]
            assert respondents == members.sum()
            assert score == (pytest.approx(_survey_score(count, total)) if count else None)


def _consistent(people, levels, sets) -> np.ndarray:
    """Every answer assignment that shows what the true one shows."""
    assignments = np.array(list(itertools.product(range(6), repeat=len(people))), dtype=np.int64)
    truth = np.array([levels])
    everyone = np.ones(len(people), dtype=bool)
    keep = np.ones(len(assignments), dtype=bool)
    # All respondents: answers counted, mean, spread (so sum and sum of squares) and don't knows.
    for figure, true in zip(_figures(assignments, everyone), _figures(truth, everyone), strict=True):
        keep &= figure == true[0]
    # Each set shown: its mean (none when nobody in it answered).
    for _name, members in sets:
        count, total, _ = _figures(assignments, members)
        true_count, true_total, _ = (value[0] for value in _figures(truth, members))
        keep &= (count == 0) if true_count == 0 else (count > 0) & (total * true_count == true_total * count)
    return assignments[keep]


def _classes(people, disclosure: Disclosure) -> list[tuple]:
    """Each respondent's class: what the scores show about them."""
    sides = gap_side([role for role, _ in people])
    return [
        (
            role if role in disclosure.shown["role"] else (OTHERS, side if disclosure.gaps else ""),
            department if department in disclosure.shown["department"] else OTHERS,
        )
        for (role, department), side in zip(people, sides, strict=True)
    ]


def _small_sets(people, k: int) -> list[tuple[str, np.ndarray]]:
    """The groups, and the role × department combinations, of fewer than k respondents."""
    sets = []
    for index, dimension in enumerate(BREAKDOWN_DIMENSIONS):
        for group in sorted({person[index] for person in people}):
            sets.append((f"{dimension} {group!r}", np.array([person[index] == group for person in people])))
    for role, department in sorted(set(people)):
        sets.append(
            (f"{role} in {department!r}", np.array([person == (role, department) for person in people]))
        )
    return [(name, members) for name, members in sets if members.sum() < k]


def reidentified(people: list[tuple[str, str]], levels: list[int], k: int) -> list[str]:
    """What the attack pins down beyond what a class answering alike gives away: of a group or
    a role × department combination of fewer than k, its answers counted and their sum; of any
    respondent, their answer."""
    result, disclosure = _compute(people, levels, k)
    sets = _shown_sets(people, result, disclosure)
    _check_the_model(people, levels, result, sets)
    candidates = _consistent(people, levels, sets)
    classes = _classes(people, disclosure)

    def alike(members: set[int], others_only: bool) -> bool:
        """Whether each member's class, of at least k (or everyone), answered as they did
        (apart from the other members)."""
        for member in members:
            mates = [other for other in range(len(people)) if classes[other] == classes[member]]
            if len(mates) < min(k, len(people)):
                return False
            if any(
                levels[other] != levels[member]
                for other in mates
                if other != member and not (others_only and other in members)
            ):
                return False
        return True

    found = []
    for name, members in _small_sets(people, k):
        count, total, _ = _figures(candidates, members)
        if len(set(zip(count.tolist(), total.tolist(), strict=True))) == 1 and not alike(
            set(np.flatnonzero(members).tolist()), others_only=True
        ):
            found.append(f"{name}: {count[0]} answers summing to {total[0]}")
    for member in range(len(people)):
        answers = set(candidates[:, member].tolist())
        if len(answers) == 1 and not alike({member}, others_only=False):
            found.append(f"respondent {member} answered {answers.pop()}")
    return found


def _organization(rng: random.Random) -> tuple[list[tuple[str, str]], list[int], int]:
    departments = [f"Unit {n}" for n in range(rng.randint(2, 4))]
    roles = rng.sample(ROLES, rng.randint(2, 4))
    people = [(rng.choice(roles), rng.choice(departments)) for _ in range(rng.randint(3, 7))]
    return people, [rng.randint(0, 5) for _ in people], rng.randint(2, 5)


@pytest.mark.parametrize("seed", range(6))
def test_no_hidden_group_can_be_reidentified_by_brute_force(seed):
    rng = random.Random(seed)
    for _ in range(25):
        people, levels, k = _organization(rng)
        assert reidentified(people, levels, k) == [], (people, levels, k)


BIG_SOLO = [("frontline", "Big")] * 5 + [("frontline", "Solo")]
BIG_SOLO_LEVELS = [3, 3, 3, 3, 3, 1]


def _primary_only(*, respondents, k):
    """The rule before complementary suppression: hide only the groups under k."""
    sizes = {dimension: respondents.groupby(dimension)["count"].sum() for dimension in BREAKDOWN_DIMENSIONS}
    sides = respondents["count"].groupby(gap_side(respondents["role"])).sum()
    return Disclosure(
        k=k,
        shown={dimension: frozenset(sizes[dimension][sizes[dimension] >= k].index) for dimension in sizes},
        hidden={dimension: int((sizes[dimension] < k).sum()) for dimension in sizes},
        gaps=all(sides.get(side, 0) >= k for side in SIDES),
    )


def test_the_attack_finds_what_hiding_small_groups_alone_gives_away(monkeypatch):
    # The attack can fail: under the former rule Solo's answer is 6 × 2.67 − 5 × 3 = 1.
    monkeypatch.setattr(scoring, "groups_disclosed", _primary_only)
    found = reidentified(BIG_SOLO, BIG_SOLO_LEVELS, k=5)
    assert "department 'Solo': 1 answers summing to 1" in found
    assert "respondent 5 answered 1" in found
    # Across dimensions, every group having 2: the frontline respondent in X is X minus the
    # managers, all of whom work in X.
    people = [("manager", "X"), ("manager", "X"), ("frontline", "X"), ("frontline", "Y"), ("frontline", "Y")]
    found = reidentified(people, [2, 3, 4, 5, 1], k=2)
    assert "frontline in 'X': 1 answers summing to 4" in found
    assert "respondent 2 answered 4" in found
    monkeypatch.undo()
    assert reidentified(people, [2, 3, 4, 5, 1], k=2) == []


def test_big_and_solo_no_longer_give_solo_away():
    result, disclosure = _compute(BIG_SOLO, BIG_SOLO_LEVELS, k=5)
    item = result["indicators"][0]
    assert (item["n"], item["mean_level"]) == (6, pytest.approx(16 / 6))
    # Big (5, all answering 3) alone would leave Solo = 6 × 2.67 − 5 × 3 = 1: Big is hidden too.
    assert result["breakdowns"]["department"] == []
    assert result["breakdowns"]["department_hidden"] == 2
    # Everyone is frontline: that group is the whole organization, so it gives nothing away.
    assert [(g["group"], g["respondents"]) for g in result["breakdowns"]["role"]] == [("frontline", 6)]
    assert disclosure.gaps is False
    assert reidentified(BIG_SOLO, BIG_SOLO_LEVELS, k=5) == []


def _respondents(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["role", "department", "count"])


def test_complementary_suppression_hides_the_smallest_next():
    disclosure = groups_disclosed(
        respondents=_respondents(
            [
                ("frontline", "Tiny", 2),
                ("frontline", "Small", 6),
                ("frontline", "Large", 9),
                ("frontline", "Huge", 12),
            ]
        ),
        k=5,
    )
    # Tiny (2) is under 5; with it alone hidden, everyone minus the others is Tiny: Small goes too.
    assert disclosure.shown["department"] == {"Large", "Huge"}
    assert disclosure.hidden["department"] == 2


def test_a_dimension_with_one_group_left_is_hidden_whole():
    disclosure = groups_disclosed(
        respondents=_respondents([("manager", "A", 3), ("frontline", "A", 6), ("frontline", "B", 9)]), k=5
    )
    # Managers (3) hidden, frontline (15) would be the only role shown: everyone minus it is them.
    assert disclosure.shown["role"] == frozenset()
    assert disclosure.hidden["role"] == 2


def test_roles_and_departments_are_not_differenced_against_each_other():
    # Managers 5 (all in X); frontline 6 (1 in X, 5 in Y); X 6, Y 5: every group has at least 5,
    # but X minus the managers is the one frontline respondent in X.
    disclosure = groups_disclosed(
        respondents=_respondents([("manager", "X", 5), ("frontline", "X", 1), ("frontline", "Y", 5)]), k=5
    )
    assert disclosure.shown["role"] == {"manager", "frontline"}
    assert disclosure.shown["department"] == frozenset()
    # Management vs front line here is managers vs frontline: the same groups, shown.
    assert disclosure.gaps is True


def test_management_vs_frontline_is_not_shown_when_everyone_else_is_few():
    # Both sides have at least 5, but everyone minus them is the 2 back-office respondents.
    respondents = _respondents(
        [("executive", "X", 3), ("manager", "X", 3), ("frontline", "X", 10), ("back_office", "X", 2)]
    )
    disclosure = groups_disclosed(respondents=respondents, k=5)
    assert disclosure.gaps is False
    assert disclosure.shown == {"role": frozenset(), "department": {"X"}}


def test_the_most_telling_arrangement_is_chosen_for_the_demo_bank():
    # The demo bank's 40 respondents (assessment.demo): 9 departments and roles are too fine for
    # k = 5, so roles are shown with management vs front line, departments not; the 4 in IT are
    # too few to stand alone and the back office is hidden with them.
    respondents = _respondents([(role, department, count) for department, role, count in DEMO_STAFF])
    disclosure = groups_disclosed(respondents=respondents, k=5)
    assert disclosure.shown == {"role": {"executive", "manager", "frontline"}, "department": frozenset()}
    assert disclosure.hidden == {"role": 2, "department": 6}
    assert disclosure.gaps is True


def test_fewer_than_k_in_all_show_nothing_by_group():
    disclosure = groups_disclosed(respondents=_respondents([("frontline", "A", 2), ("manager", "B", 2)]), k=5)
    assert disclosure == Disclosure(
        k=5,
        shown={"role": frozenset(), "department": frozenset()},
        hidden={"role": 2, "department": 2},
        gaps=False,
    )


def test_a_stored_result_shows_only_what_the_rule_allows():
    stored = {
        "breakdowns": {
            "role": [{"group": "frontline", "respondents": 6}],
            "department": [{"group": "Big", "respondents": 5}],
            "role_hidden": 0,
            "department_hidden": 1,
            "anonymity_k": 5,
        },
        "gaps": [
            {"kind": "management_vs_frontline", "scope": "area", "code": "organization", "gap": 10.0},
            {"kind": "employees_vs_customers", "scope": "indicator", "code": "ORG-10", "gap": 5.0},
        ],
    }
    disclosure = groups_disclosed(
        respondents=_respondents([("frontline", "Big", 5), ("frontline", "Solo", 1)]), k=5
    )
    shown = result_disclosed(stored, disclosure)
    assert shown["breakdowns"]["department"] == []
    assert shown["breakdowns"]["department_hidden"] == 2
    assert shown["breakdowns"]["role"] == [{"group": "frontline", "respondents": 6}]
    assert [gap["kind"] for gap in shown["gaps"]] == ["employees_vs_customers"]


# --- through the API ----------------------------------------------------------------------------


def _answer(assessment, people, levels) -> None:
    for number, ((role, department), level) in enumerate(zip(people, levels, strict=True)):
        [new] = invitation_create_many(
            assessment=assessment,
            rows=[{"email": f"person{number}@bank.example", "role": role, "department": department}],
        )
        answers_save(invitation=new.invitation, items=[{"indicator": "ORG-01", "level": level}])
        response_submit(invitation=new.invitation)


@pytest.mark.django_db
def test_the_executive_cannot_work_out_solo(api, audit):
    _answer(audit, BIG_SOLO, BIG_SOLO_LEVELS)
    # Published before this rule: the snapshot shows Big (5, all answering 3) and hides Solo.
    leaky = assessment_scores_compute(assessment=audit)
    big = {"group": "Big", "respondents": 5, "score": 50.0, "level": 3, "level_code": "aware"}
    leaky["breakdowns"] = {
        **leaky["breakdowns"],
        "department": [{**big, "areas": {}}],
        "department_hidden": 1,
    }
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    ScoreSnapshot.objects.filter(assessment=audit).update(result=leaky)
    api.force_authenticate(executive_of(audit.organization))
    body = api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    org01 = next(item for item in body["indicators"] if item["code"] == "ORG-01")
    assert (org01["n"], org01["mean_level"]) == (6, 2.67)
    assert body["breakdowns"]["department"] == []
    assert body["breakdowns"]["department_hidden"] == 2
    assert body["breakdowns"]["role"][0]["respondents"] == 6


@pytest.mark.django_db
def test_executives_see_no_response_rate_by_group(api, audit):
    _answer(audit, BIG_SOLO, BIG_SOLO_LEVELS)
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    executive = executive_of(audit.organization)
    api.force_authenticate(executive)
    # Respondents per department and role are the consultants' working data, not the client's.
    assert api.get(f"/api/v1/assessments/{audit.pk}/response-rate/").status_code == 403
    assert api.get(f"/api/v1/assessments/{audit.pk}/invitations/").status_code == 403
    client = Client()
    client.force_login(executive)
    assert client.get(f"/assessments/{audit.pk}/respondents/").status_code == 404
    assert "Solo" not in client.get(f"/assessments/{audit.pk}/scores/").content.decode()
