"""In Debian's chromium: an operator chooses notices by e-mail and records an absence at
/profile/ (a mistake is explained first); their team leader sees it and may record one
for a member of the pools they lead."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from intranet.models import Absence, UserProfile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _local(days: int) -> str:
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=9, minute=0).strftime("%Y-%m-%dT%H:%M")


def test_an_operator_records_an_absence_and_chooses_notices_by_email(
    demo: None, live_server: Any, browser_page: Any, screenshots: Path
) -> None:
    page = browser_page
    _login(page, live_server.url, "op.sinistri")  # Ola Nowak, who reads Polish
    page.goto(live_server.url + "/profile/")
    page.check("input[name=notify_by_email][value=assigned]")
    page.check("input[name=notify_by_email][value=consultation_answered]")
    page.click("form.profile-form button[type=submit]")
    page.wait_for_selector("input[name=notify_by_email][value=assigned]:checked")
    profile = UserProfile.objects.get(user__username="op.sinistri")
    assert profile.notify_by_email == ["assigned", "consultation_answered"]

    junior = User.objects.get(username="junior.sinistri")
    page.fill("#id_absence-starts_at", _local(10))
    page.fill("#id_absence-ends_at", _local(3))  # before it starts
    page.select_option("#id_absence-substitute", str(junior.pk))
    page.click("form.absence-form button[type=submit]")
    page.wait_for_selector(".form-errors")
    assert "Nieobecność musi kończyć się po jej rozpoczęciu." in page.inner_text(".form-errors")
    assert not Absence.objects.exists()
    page.fill("#id_absence-ends_at", _local(14))
    page.fill("#id_absence-note", "Urlop")
    page.click("form.absence-form button[type=submit]")
    page.wait_for_selector("#absences table.listing")
    assert "Ioana Popescu" in page.inner_text("#absences table.listing")
    page.screenshot(path=str(screenshots / "profile-absence.png"), full_page=True)
    absence = Absence.objects.get()
    assert (absence.user.username, absence.substitute, absence.note) == (
        "op.sinistri",
        junior,
        "Urlop",
    )

    page.context.clear_cookies()
    _login(page, live_server.url, "leader.sinistri")
    page.goto(live_server.url + "/profile/")
    assert "Urlop" in page.inner_text("#absences table.listing")  # a member's absence
    page.select_option("#id_team-user", str(junior.pk))
    page.fill("#id_team-starts_at", _local(20))
    page.fill("#id_team-ends_at", _local(22))
    page.click("form.absence-form:has(#id_team-user) button[type=submit]")
    page.wait_for_url("**/profile/#absences")
    assert Absence.objects.filter(user=junior).exists()
