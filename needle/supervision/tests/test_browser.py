"""Supervision in a real Chromium: a street office issues an admitted task to its communities
at a desk, in Chinese; one community reports done on a phone with a photo as evidence, the other
at a desk in English; the street signs both off and the board turns green; an unlisted type is
refused. Screenshots in both languages, desktop and 390 px wide."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from needle import testing as t
from needle.supervision.models import Entry, EntryStatus, Evidence, Status, Target, Task
from needle.testing import Tab, sign_in, switch_language, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1280, "height": 900}}
SHOTS = Path(os.environ.get("NEEDLE_SUPERVISION_SHOTS", "/work/wt/sup-workflow-shots"))


@pytest.fixture(autouse=True)
def shots_here(monkeypatch: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(t, "SHOTS", SHOTS)


def tab(open_tab: Any, **options: Any) -> Tab:
    """A tab with patience for a machine busy with other work (a benchmark on two cores)."""
    opened: Tab = open_tab(**options)
    opened.page.set_default_timeout(40_000)
    return opened


def photo(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 140, 60)).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_a_street_issues_its_communities_report_and_the_board_turns_green(
    world: t.World, open_tab: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    Entry.objects.create(
        district=world.areas["district_a"],
        area_path=world.areas["district_a"].path,
        issuer=world.units["street_a1"],
        task_type="survey",
        asks="Walk every building and count the fire exits",
        basis="Fire safety regulation, art. 7",
        hours=2,
        valid_from=today,
        valid_until=today + dt.timedelta(days=365),
        status=EntryStatus.ADMITTED,
    )
    deadline = (today + dt.timedelta(days=20)).isoformat()

    # The street office, at a desk, in Chinese, issues to every community under it.
    street = tab(open_tab, **DESK)
    sign_in(street, "supervisor")
    street.goto("/supervision/new/")
    form = street.page.locator("form#issue")
    form.locator("#issuer").select_option(str(world.units["street_a1"].pk))
    form.locator("#title").fill("消防通道排查")
    form.locator("#body").fill("逐栋检查消防通道，拍照上报。")
    form.locator("#task_type").fill("photo_wall")
    form.locator("#deadline").fill(deadline)
    form.locator("#unit_type").select_option("resident_committee")
    form.locator("#area").fill(world.areas["street_a1"].code)
    form.get_by_role("button", name=zh("Issue")).click()
    # An unlisted type to communities is refused, naming it.
    expect(street.page.locator("form#issue")).to_contain_text("photo_wall")
    assert Task.objects.count() == 0
    # The refusal answers 422 by design: not an error of the page.
    assert [e for e in street.errors if "/supervision/new/" in e] == [
        f"HTTP 422: {street.base}/supervision/new/"
    ]
    street.errors.clear()
    street.shot("supervision-01-desk-zh-unlisted-refused.png")
    street.page.locator("#task_type").fill("survey")
    street.page.locator("form#issue").get_by_role("button", name=zh("Issue")).click()
    street.page.wait_for_url("**/supervision/tasks/*/")
    task = Task.objects.get()
    assert task.targets_count == 2
    street.shot("supervision-02-desk-zh-board-issued.png")

    # One community, on a phone, in Chinese: reports done, with a photo as evidence.
    mine = Target.objects.get(task=task, unit=world.units["rc_a1a"])
    phone = tab(open_tab, **PHONE)
    sign_in(phone, "staff")
    phone.goto(f"/supervision/targets/{mine.pk}/")
    phone.page.locator("#evidence-file").set_input_files(str(photo(tmp_path / "exit.png")))
    phone.page.locator("#evidence-form").get_by_role("button", name=zh("Add the file")).click()
    expect(phone.page.locator("#evidence")).to_contain_text("exit.png")
    assert Evidence.objects.filter(target=mine).count() == 1
    phone.page.locator("#done-text").fill("12栋楼全部检查完毕，已清理2处堵塞。")
    phone.page.get_by_role("button", name=zh("Report done")).click()
    expect(phone.page.locator("ul.messages")).to_be_visible()
    assert phone.js("document.documentElement.scrollWidth") <= 390
    phone.shot("supervision-03-phone-zh-done-with-evidence.png")

    # The other, at a desk, in English.
    other = Target.objects.get(task=task, unit=world.units["rc_a1b"])
    desk = tab(open_tab, **DESK)
    sign_in(desk, "staff_a1b")
    switch_language(desk, "en")
    desk.goto(f"/supervision/targets/{other.pk}/")
    desk.page.locator("#done-text").fill("All 8 buildings checked.")
    desk.page.get_by_role("button", name="Report done").click()
    expect(desk.page.locator("ul.messages")).to_contain_text("Saved.")
    desk.shot("supervision-04-desk-en-done.png")

    # The street signs both off: the board turns green.
    switch_language(street, "en")
    for target in (mine, other):
        street.goto(f"/supervision/targets/{target.pk}/")
        street.page.locator("#decide").get_by_role("button", name="Sign off").click()
        expect(street.page.locator("ul.messages")).to_contain_text("Saved.")
    assert Target.objects.filter(task=task, status=Status.SIGNED_OFF).count() == 2
    street.goto(f"/supervision/tasks/{task.pk}/")
    expect(street.page.locator("#counts")).to_contain_text("signed off 2")
    assert street.page.locator("#counts tbody .tag.state-closed").count() == 2
    street.shot("supervision-05-desk-en-board-green.png")

    # The same board on a phone, in Chinese.
    board = tab(open_tab, **PHONE)
    sign_in(board, "supervisor")
    switch_language(board, "zh-hans")
    board.goto(f"/supervision/tasks/{task.pk}/")
    expect(board.page.locator("#counts")).to_contain_text(zh("signed off"))
    assert board.js("document.documentElement.scrollWidth") <= 390
    board.shot("supervision-06-phone-zh-board-green.png")
