"""The analytics tab: the churn-risk model of the customer data as the consultant reads it."""

import re

import pandas as pd
from django.core.files.base import ContentFile

from assessment.customer_data import customer_data_replace
from assessment.models import ChurnModelRun
from tests.assessment.test_churn_api import _customers
from tests.assessment.test_customer_data import CUSTOMERS, _post, customers_of, upload
from tests.assessment.test_drivers import _survey
from tests.assessment.test_themes import _comments


def _url(audit) -> str:
    return f"/assessments/{audit.pk}/analytics/"


def _upload(audit, consultant, text: str, capture) -> None:
    audit.refresh_from_db()
    with capture(execute=True):
        customer_data_replace(
            assessment=audit,
            user=consultant,
            uploads={"customers": ContentFile(text.encode(), name="customers.csv")},
        )


def test_the_tab_explains_the_model_and_lists_the_riskiest_clients(
    consultant_client, consultant, audit, django_capture_on_commit_callbacks
):
    empty = consultant_client.get(_url(audit)).content.decode()
    assert "No customer data yet." in empty
    text, churned = _customers()
    _upload(audit, consultant, text, django_capture_on_commit_callbacks)
    model = ChurnModelRun.objects.get().result
    html = consultant_client.get(_url(audit)).content.decode()
    percent = round(100 * model["auc"])
    assert f"ranks a leaving client above a staying one in {percent} % of pairs" in html
    assert f"Learnt from 400 clients active at the period's start, of whom {int(churned.sum())} left." in html
    drivers = re.findall(r'<tr data-feature="([^"]+)">', html)
    assert drivers[0] == "x_monthly_fee"
    assert drivers == [driver["feature"] for driver in model["drivers"]]
    assert "higher values raise the risk" in html
    assert 'class="driver-bar driver-bar--100"' in html
    # The 20 active clients at the highest risk, riskiest first, and the export of them all.
    rows = re.findall(r'<th scope="row">(C\d{4})</th>', html)
    assert len(rows) == 20
    risks = [float(value) for value in re.findall(r'<td class="num">(0\.\d\d|1\.00)</td>\s*</tr>', html)]
    assert risks == sorted(risks, reverse=True)
    assert f"/api/v1/assessments/{audit.pk}/customers/?export=xlsx&amp;order=-churn_risk" in html


def test_too_little_data_says_what_the_model_needs(
    consultant_client, consultant, audit, django_capture_on_commit_callbacks
):
    _upload(audit, consultant, CUSTOMERS, django_capture_on_commit_callbacks)
    html = consultant_client.get(_url(audit)).content.decode()
    assert "The model needs at least 200 clients active at the period&#x27;s start" in html
    assert "driver-bar" not in html


def test_while_fitting_the_tab_shows_the_progress(consultant_client, consultant, audit):
    audit.refresh_from_db()
    customer_data_replace(  # no commit in this test: the run stays queued
        assessment=audit,
        user=consultant,
        uploads={"customers": ContentFile(CUSTOMERS.encode(), name="c.csv")},
    )
    ChurnModelRun.objects.update(progress=40)
    html = consultant_client.get(_url(audit)).content.decode()
    assert "The model is being fitted: 40 % done." in html


def test_only_the_assessments_consultants_open_it(executive_client, stranger_consultant_client, audit):
    assert executive_client.get(_url(audit)).status_code == 404
    assert stranger_consultant_client.get(_url(audit)).status_code == 404


def test_the_key_drivers_of_the_rating_with_their_quadrant(consultant_client, consultant, audit, api):

    survey = _survey()
    customers = customers_of(survey["client_id"].unique())
    rows = survey.assign(value=survey["value"].astype(int)).to_csv(index=False)
    api.force_authenticate(consultant)
    assert (
        _post(api, audit, customers=upload("c.csv", customers), survey=upload("s.csv", rows)).status_code
        == 201
    )
    html = consultant_client.get(_url(audit)).content.decode()
    assert "What moves the NPS rating" in html
    assert "What moves the CSI" in html
    drivers = re.findall(r'<tr data-driver="([^"]+)">', html)
    assert drivers[:2] == ["csi:branch", "servqual:reliability"]
    assert "CSI: branch" in html
    assert "SERVQUAL: Reliability" in html
    assert len(re.findall(r'id="c[0-9a-f]{8}-driver-0"', html)) == 2  # a quadrant chart per target


def test_the_themes_of_the_clients_comments_with_their_quotes(consultant_client, consultant, audit, api):

    comments = _comments("en")
    ids = [f"C{i:03d}" for i in range(len(comments))]
    customers = customers_of(ids)
    survey = pd.DataFrame(
        {
            "client_id": ids,
            "instrument": "nps",
            "item": "recommend",
            "dimension": "",
            "value": 7,
            "comment": comments["text"],
        }
    ).to_csv(index=False)
    api.force_authenticate(consultant)
    files = {"customers": upload("c.csv", customers), "survey": upload("s.csv", survey)}
    assert _post(api, audit, **files).status_code == 201
    html = consultant_client.get(_url(audit)).content.decode()
    assert "What clients write beside their rating" in html
    assert "80 comments, grouped by what they are about." in html
    quotes = re.findall(r'<blockquote class="theme__quote">([^<]+)</blockquote>', html)
    assert quotes
    assert set(quotes) <= set(comments["text"])
    assert "mean rating 7.0" in html


def test_the_customer_data_tab_says_how_the_model_is_coming_along(consultant_client, consultant, audit):
    audit.refresh_from_db()
    customers = ContentFile(CUSTOMERS.encode(), name="c.csv")
    customer_data_replace(assessment=audit, user=consultant, uploads={"customers": customers})
    ChurnModelRun.objects.update(progress=60)
    html = consultant_client.get(f"/assessments/{audit.pk}/customer-data/").content.decode()
    assert 'data-churn-model="running"' in html
    assert '<span class="churn-model__state">being fitted: 60 % done</span>' in html
    assert 'data-text-running="being fitted: {percent} done"' in html
    assert f'href="{_url(audit)}"' in html
