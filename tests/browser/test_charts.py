"""The dashboard's charts (数据看板 and its 福利 tab) are drawn in the browser: ECharts from our
own static files, started by static/js/charts.js and each page's own script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.welfare.conftest import request_fields
from welfare.services import welfare_request_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_proposal_and_welfare_charts_are_drawn_and_follow_the_window(sign_in, departments, session, category):
    make_user("office", "杨帆", ["union_office"], None)
    member = make_user("member", "刘伟", ["member"], departments["cs"])
    make_user("chair", "郑芳", ["subunion_chair", "member"], departments["cs"])
    welfare_request_file(user=member, **request_fields("other", amount_requested="800.00"))

    page = sign_in("office")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto("/proposals/dashboard/")
    expect(page.locator("#chart-state svg")).to_be_visible()
    page.goto("/welfare/figures/")
    for chart in ("#chart-kind", "#chart-unit"):
        expect(page.locator(f"{chart} svg")).to_be_visible()
    before = page.locator("#chart-kind svg").bounding_box()
    page.set_viewport_size({"width": 700, "height": 800})
    # The shared resize handler redraws each chart at its box's new width.
    expect(page.locator("#chart-kind svg")).not_to_have_attribute("width", str(int(before["width"])))
    assert errors == []
