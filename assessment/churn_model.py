"""The churn-risk model (docs/methods.md §13): which of the clients active at the churn period's
start left in it, learnt from what was known at its start. Pure: a customers frame in, plain
results out; no ORM.

Every client's risk is an out-of-fold prediction, and nothing about a client's own label reaches
its own risk: the folds are drawn at random (not stratified, which would let the label choose the
fold), the model that predicts fold k is trained without fold k, and the choice between gradient
boosting and logistic regression for fold k is made on predictions for the other folds by models
also trained without fold k.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from assessment.customer_files import ATTRIBUTE_PREFIX
from assessment.loyalty import churn_flags, client_survey_scores

MIN_CLIENTS = 200
MIN_CHURNED = 30
FOLDS = 5
BOOTSTRAP_SAMPLES = 200
PERMUTATION_REPEATS = 3
TOP_DRIVERS = 10
# A driver raises or lowers the risk when its rank correlation with the risk is at least this
# strong; weaker, or a category, its effect is "mixed" (it depends on the value).
DIRECTION_MIN_CORRELATION = 0.1
# The client's own survey answers, by the names the model gives them.
SURVEY_FEATURES = {"nps": "survey_nps_rating", "csi": "survey_csi", "servqual": "survey_servqual"}
MODELS = ("gradient_boosting", "logistic_regression")


@dataclass(frozen=True)
class ChurnModel:
    """The model's account: status "ready" or "insufficient_data" (with the reason); the model
    used for most clients; clients and churned counted; ROC AUC out of fold with its bootstrap
    95 % interval; Brier score; calibration by deciles of risk; churn rate in the top decile
    over the overall rate; the drivers; and the out-of-fold risk of every client active at the
    period's start (index: client_id)."""

    status: str
    reason: str | None
    clients: int
    churned: int
    model: str | None = None
    auc: float | None = None
    auc_ci: list[float] | None = None
    brier: float | None = None
    top_decile_lift: float | None = None
    calibration: list[dict] | None = None
    drivers: list[dict] | None = None
    risk: pd.Series | None = None


def churn_model_frame(
    customers: pd.DataFrame,
    survey: pd.DataFrame | None = None,
    *,
    start: datetime.date,
    end: datetime.date,
    basis: str | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The clients active at the period's start (index: client_id) with what was known of them
    then, and whether each churned in the period under the basis. Never the last activity or
    anything else recorded after the start: that would tell the model the answer (leakage).
    The client's own survey answers (NPS rating, CSI, SERVQUAL index) join where it gave any."""
    start_day, end_day = pd.Timestamp(start), pd.Timestamp(end)
    flags = churn_flags(customers, start_day, end_day, basis)
    clients = customers.loc[flags.at_start]
    attitudes = client_survey_scores(customers, survey).loc[flags.at_start]
    features = pd.DataFrame(index=pd.Index(clients["client_id"], name="client_id"))
    features["segment"] = clients["segment"].to_numpy()
    features["product_count"] = pd.to_numeric(clients["product_count"]).to_numpy(dtype=float)
    features["tenure_days"] = (start_day - clients["opened_on"]).dt.days.to_numpy(dtype=float)
    if "annual_margin" in clients:
        features["annual_margin"] = pd.to_numeric(clients["annual_margin"]).to_numpy(dtype=float)
    for column in (c for c in clients.columns if c.startswith(ATTRIBUTE_PREFIX)):
        features[column] = clients[column].to_numpy()
    for name, column in SURVEY_FEATURES.items():
        if attitudes[name].notna().any():
            features[column] = attitudes[name].to_numpy()
    return features, flags.churned[flags.at_start]


def _categorical(features: pd.DataFrame) -> list[str]:
    return [c for c in features if not pd.api.types.is_numeric_dtype(features[c])]


# Gradient boosting reads a category as one of at most this many codes (its bins less one).
MAX_CODED_CATEGORIES = 250


def _coded(features: pd.DataFrame) -> pd.DataFrame:
    """The features with each category as a number: its code among the column's values by
    frequency (the rarest beyond MAX_CODED_CATEGORIES share the last code), NaN where missing.
    Coding the names looks at no label, so it is done once for all folds."""
    coded = features.copy()
    for column in _categorical(features):
        counts = features[column].value_counts()
        codes = pd.Series(np.minimum(np.arange(len(counts)), MAX_CODED_CATEGORIES - 1), index=counts.index)
        coded[column] = features[column].map(codes).astype(float)
    return coded


def _gradient_boosting(categorical: list[bool], seed: int):
    return HistGradientBoostingClassifier(
        max_iter=150,
        learning_rate=0.1,
        early_stopping=False,
        categorical_features=categorical,
        random_state=seed,
    )


def _logistic_regression(categorical: list[bool], seed: int):
    columns = np.arange(len(categorical))
    mask = np.asarray(categorical, dtype=bool)
    encode = ColumnTransformer(
        [
            (
                "category",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=5),
                ),
                columns[mask],
            ),
            (
                "number",
                make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
                columns[~mask],
            ),
        ]
    )
    return make_pipeline(encode, LogisticRegression(C=1.0, max_iter=1000, random_state=seed))


BUILDERS = {"gradient_boosting": _gradient_boosting, "logistic_regression": _logistic_regression}


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")


def _auc_interval(labels: np.ndarray, scores: np.ndarray, rng: np.random.Generator) -> list[float]:
    """The bootstrap 95 % interval of the ROC AUC (percentiles of BOOTSTRAP_SAMPLES resamples of
    the clients). A resample is a count per client; its AUC is the weighted share of (churned,
    stayed) pairs ranked right, ties counting half, from the stayed clients' counts per score."""
    distinct, position = np.unique(scores, return_inverse=True)
    values = np.empty(BOOTSTRAP_SAMPLES)
    for sample in range(BOOTSTRAP_SAMPLES):
        weight = np.bincount(rng.integers(0, len(labels), len(labels)), minlength=len(labels))
        stayed = np.bincount(position[~labels], weights=weight[~labels], minlength=len(distinct))
        below = np.cumsum(stayed) - stayed
        churned_weight = weight[labels]
        pairs = churned_weight.sum() * stayed.sum()
        right = churned_weight @ (below[position[labels]] + 0.5 * stayed[position[labels]])
        values[sample] = right / pairs if pairs else np.nan
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return [float(low), float(high)]


def _calibration(labels: np.ndarray, risk: np.ndarray) -> list[dict]:
    """Per decile of risk (1: the lowest): clients, mean predicted risk, share that churned."""
    decile = pd.qcut(pd.Series(risk).rank(method="first"), 10, labels=False) + 1
    table = pd.DataFrame({"decile": decile, "predicted": risk, "observed": labels.astype(float)})
    grouped = table.groupby("decile").agg(
        clients=("observed", "size"), predicted=("predicted", "mean"), observed=("observed", "mean")
    )
    return [
        {
            "decile": int(d),
            "clients": int(row.clients),
            "predicted": float(row.predicted),
            "observed": float(row.observed),
        }
        for d, row in grouped.iterrows()
    ]


def _direction(values: pd.Series, risk: np.ndarray) -> str:
    if not pd.api.types.is_numeric_dtype(values) or values.nunique() < 2:
        return "mixed"
    correlation = pd.Series(values.to_numpy(dtype=float)).corr(pd.Series(risk), method="spearman")
    if pd.isna(correlation) or abs(correlation) < DIRECTION_MIN_CORRELATION:
        return "mixed"
    return "raises" if correlation > 0 else "lowers"


def churn_model_fit(
    features: pd.DataFrame,
    churned: np.ndarray,
    *,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> ChurnModel:
    """Fit, choose and assess the churn-risk model on `features` (one row per client) and the
    churn labels; see the module's account of why every risk is out of fold. `progress(percent)`
    after each of the models fitted."""
    report = progress or (lambda _percent: None)
    fits = itertools.count(1)
    total_fits = len(MODELS) * FOLDS * (FOLDS - 1) // 2 + FOLDS
    labels = np.asarray(churned, dtype=bool)
    clients, churned_count = len(labels), int(labels.sum())
    if clients < MIN_CLIENTS or churned_count < MIN_CHURNED:
        return ChurnModel(
            status="insufficient_data",
            reason=_(
                "The model needs at least %(min_clients)d clients active at the period's start and "
                "%(min_churned)d of them churned; there are %(clients)d and %(churned)d."
            )
            % {
                "min_clients": MIN_CLIENTS,
                "min_churned": MIN_CHURNED,
                "clients": clients,
                "churned": churned_count,
            },
            clients=clients,
            churned=churned_count,
        )
    y = labels.astype(int)
    fold = np.empty(clients, dtype=int)
    for number, (_train, held_out) in enumerate(
        KFold(FOLDS, shuffle=True, random_state=seed).split(features)
    ):
        fold[held_out] = number

    matrix = _coded(features).to_numpy(dtype=float)
    categorical = [not pd.api.types.is_numeric_dtype(features[c]) for c in features]

    def fitted(name: str, without: set[int]):
        train = ~np.isin(fold, list(without))
        model = BUILDERS[name](categorical, seed).fit(matrix[train], y[train])
        report(95 * next(fits) // total_fits)
        return model

    # Predictions for fold j by models trained without folds j and k, for every pair {j, k}:
    # they choose the model for fold k without fold k's labels.
    inner = {name: np.full((FOLDS, clients), np.nan) for name in MODELS}
    for name, (j, k) in itertools.product(MODELS, itertools.combinations(range(FOLDS), 2)):
        model = fitted(name, {j, k})
        for target, other in ((j, k), (k, j)):
            rows = fold == target
            inner[name][other, rows] = model.predict_proba(matrix[rows])[:, 1]
    risk = np.empty(clients)
    chosen: list[str] = []
    importances = []
    for k in range(FOLDS):
        others = fold != k
        name = max(MODELS, key=lambda candidate: _auc(labels[others], inner[candidate][k, others]))
        model = fitted(name, {k})
        rows = fold == k
        risk[rows] = model.predict_proba(matrix[rows])[:, 1]
        chosen.append(name)
        permuted = permutation_importance(
            model,
            matrix[rows],
            y[rows],
            scoring="roc_auc",
            n_repeats=PERMUTATION_REPEATS,
            random_state=seed,
        )
        importances.append(permuted.importances_mean)
    importance = np.mean(importances, axis=0)
    # A feature whose shuffling does not lower the ranking quality drives nothing.
    order = [i for i in np.argsort(-importance)[:TOP_DRIVERS] if importance[i] > 0]
    drivers = [
        {
            "feature": str(features.columns[i]),
            "importance": float(importance[i]),
            "direction": _direction(features.iloc[:, i], risk),
        }
        for i in order
    ]
    overall = labels.mean()
    top = risk >= np.quantile(risk, 0.9)
    return ChurnModel(
        status="ready",
        reason=None,
        clients=clients,
        churned=churned_count,
        model=max(MODELS, key=chosen.count),
        auc=_auc(labels, risk),
        auc_ci=_auc_interval(labels, risk, np.random.default_rng(seed)),
        brier=float(brier_score_loss(y, risk)),
        top_decile_lift=float(labels[top].mean() / overall),
        calibration=_calibration(labels, risk),
        drivers=drivers,
        risk=pd.Series(risk, index=features.index, name="churn_risk"),
    )
