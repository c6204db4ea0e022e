"""The earnings and revenue reports as a person sees them: the date fields show the period
they are for, and the revenue chart draws sensible bars with labels inside the drawing."""

import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.selectors import CHART_MAX_BAR, ReportRow, bar_chart

pytestmark = pytest.mark.django_db


def _date_values(html: str) -> dict[str, str]:
    return {
        name: value
        for tag in re.findall(r'<input type="date"[^>]*>', html)
        for name, value in [(re.search(r'name="(\w+)"', tag).group(1), (re.search(r'value="([^"]*)"', tag) or [""])[0])]
    }


def _get(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url_name", ["billing:earnings", "admin:billing_revenue", "admin:billing_payouts"])
def test_date_fields_show_the_chosen_period(url_name, teacher, staff_user):
    user = teacher if url_name == "billing:earnings" else staff_user
    html = _get(user, reverse(url_name) + "?start=2026-01-05&end=2026-02-10")
    assert _date_values(html) == {"start": 'value="2026-01-05"', "end": 'value="2026-02-10"'}


@pytest.mark.parametrize("url_name", ["billing:earnings", "admin:billing_revenue"])
def test_date_fields_show_the_default_period(url_name, teacher, staff_user):
    user = teacher if url_name == "billing:earnings" else staff_user
    values = _date_values(_get(user, reverse(url_name)))
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert values["end"] == f'value="{today}"'
    assert re.fullmatch(r'value="\d{4}-\d{2}-\d{2}"', values["start"])


def _rows(n: int, label: str = "6 Dec") -> list[ReportRow]:
    return [ReportRow(key=i, label=label, currency="GBP", gross=1000 * (i + 1), fees=30) for i in range(n)]


def test_one_day_is_one_slim_bar_in_the_middle():
    chart = bar_chart(_rows(1))
    (bar,) = chart["bars"]
    assert bar["w"] <= CHART_MAX_BAR
    assert abs((bar["x"] + bar["w"] / 2) - chart["width"] / 2) < 1  # centred
    assert 0 < bar["net_h"] <= bar["gross_h"] <= chart["height"]
    assert bar["show_label"]


@pytest.mark.parametrize("count", [1, 7, 30, 40])
def test_labels_stay_inside_the_chart_and_never_overlap(count):
    chart = bar_chart(_rows(count, label="December 2026"))
    shown = [bar for bar in chart["bars"] if bar["show_label"]]
    assert shown and shown[0] is chart["bars"][0]
    half = len("December 2026") * 6 / 2
    for bar in shown:
        assert bar["label_x"] - half >= 0 and bar["label_x"] + half <= chart["width"]
    for left, right in itertools.pairwise(shown):
        assert right["label_x"] - left["label_x"] >= 2 * half
    assert chart["label_y"] < chart["full_height"]


def test_a_day_without_sales_draws_no_bar():
    chart = bar_chart([ReportRow(key=1, label="1 Dec", currency="GBP")])
    assert chart["bars"][0]["gross_h"] == 0 and chart["bars"][0]["net_h"] == 0
