"""The clinic lead in the browser: a new clinician's account and one-time link, deactivation,
a care-team transfer, a settings change with a bad value first, and the audit trail with its
filter and CSV export. axe on each page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

@pytest.fixture
def axe(check_accessibility):
    return check_accessibility


def test_staff_accounts_and_a_transfer(page, live_server, sign_in, axe, lead, clinician,
                                       clinician2, patient, browser):
    sign_in(page, lead.email)
    page.get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    axe(page)

    page.get_by_label("Full name").fill("Nia Newhire")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Create the account and its link").click()
    expect(page.locator("#email-error")).to_contain_text("does not look like an email")
    expect(page.get_by_label("Full name")).to_have_value("Nia Newhire")
    axe(page)
    page.get_by_label("Email").fill("nia@test.example")
    page.get_by_role("button", name="Create the account and its link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invitation link for Nia Newhire")
    link = page.get_by_label("One-time link").input_value()
    assert "/welcome/" in link
    axe(page)

    newcomer = browser.new_context().new_page()
    newcomer.goto(link)
    newcomer.get_by_label("New password", exact=True).fill("a-fresh-long-passphrase-42")
    newcomer.get_by_label("Repeat the new password").fill("a-fresh-long-passphrase-42")
    newcomer.get_by_role("button", name="Set password and sign in").click()
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text("patients", ignore_case=True)
    newcomer.context.close()

    page.get_by_role("link", name="Back to staff").click()
    row = page.get_by_role("row").filter(has_text="Nia Newhire")
    row.get_by_role("link", name="Deactivate").click()
    axe(page)
    page.get_by_label("Reason").fill("Left the clinic")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Deactivate the account").click()
    expect(page.get_by_role("status").first).to_contain_text("Nia Newhire's account is deactivated")
    expect(page.get_by_role("row").filter(has_text="Nia Newhire")).to_contain_text("Deactivated")

    page.get_by_role("link", name="Care teams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care teams")
    axe(page)
    page.get_by_role("row").filter(has_text=patient.full_name).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Care team of {patient.full_name}")
    axe(page)
    page.get_by_label("New primary clinician").select_option(label=clinician2.full_name)
    page.get_by_role("button", name="Transfer").click()
    expect(page.get_by_role("status").first).to_contain_text("is transferred")
    team = page.get_by_role("row").filter(has_text=clinician2.full_name)
    expect(team).to_contain_text("Primary clinician")
    expect(page.get_by_role("row").filter(has_text=clinician.full_name)).to_have_count(0)
    axe(page)


def test_settings_and_the_audit_trail(page, live_server, sign_in, axe, lead, clinician, patient):
    sign_in(page, lead.email)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic settings")
    axe(page)
    page.get_by_label("Clinic name").fill("Bayview Clinic")
    page.get_by_label("Alert at systolic pressure at or above (mmHg)").fill("150")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#systolic_high_alert-error")).to_contain_text("at or above its flag level (160)")
    expect(page.get_by_label("Clinic name")).to_have_value("Bayview Clinic")
    axe(page)
    page.get_by_label("Alert at systolic pressure at or above (mmHg)").fill("185")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").first).to_contain_text("settings are saved")
    page.locator("#account-menu").click()  # the clinic's name is in the account menu
    expect(page.locator(".dropdown-item-text")).to_contain_text("Bayview Clinic")
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.get_by_role("status").first).to_contain_text("Hash chain verified up to event")
    # the refused save and the saved one: both audited as what they were
    settings_rows = page.get_by_role("row").filter(has_text="Clinic settings")
    expect(settings_rows).to_have_count(2)
    expect(settings_rows.first).to_contain_text("Changed")
    expect(settings_rows.first).to_contain_text("Success")
    expect(settings_rows.nth(1)).to_contain_text("Failure")
    axe(page)
    page.get_by_label("From").fill("2026-05-10")
    page.get_by_label("To (inclusive)").fill("2026-05-01")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#until-error")).to_contain_text("before the start date")
    axe(page)
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Action").select_option(label="Changed")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="Clinic settings")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these events as CSV").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        text = exported.read()
    assert text.startswith("event_id,") and "clinic_settings" in text and "sign_in" not in text
