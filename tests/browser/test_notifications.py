"""Email and notifications in a real browser, axe on every page: the clinician's unread count
and notifications page, the lead's delivery log, the patient's reminders, the reset pages."""
import re

import pytest
from playwright.sync_api import expect

from tracker.core.flags import raise_flag
from tracker.core.reminders import unsubscribe_token
from tracker.extensions import db

pytestmark = pytest.mark.browser


def test_a_flag_reaches_the_clinicians_menu_and_the_leads_log(page, live_server, sign_in, sign_out,
                                                              check_accessibility, app, patient,
                                                              clinician, lead):
    raise_flag(patient_id=patient.id, source="vital_alert", source_id=1, summary="x")
    db.session.commit()
    sign_in(page, clinician.email)
    menu = page.get_by_role("link", name=re.compile("Notifications"))
    expect(menu).to_contain_text("1")
    check_accessibility(page)
    menu.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    check_accessibility(page)
    page.get_by_role("button", name=re.compile("Open the flag")).click()
    expect(page.get_by_role("link", name=re.compile("Notifications"))).to_contain_text("0")
    sign_out(page)
    sign_in(page, lead.email)
    page.get_by_role("link", name="Email log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email delivery log")
    expect(page.get_by_role("table")).to_contain_text(clinician.email)
    check_accessibility(page)


def test_the_patient_chooses_reminders_and_unsubscribes_without_signing_in(
        page, live_server, sign_in, sign_out, check_accessibility, app, patient, patient_user):
    sign_in(page, patient_user.email)
    page.goto(f"{live_server}/me/reminders")
    check_accessibility(page)
    page.get_by_label("Email me reminders").check()
    page.get_by_label("Send them at").select_option("07:00")
    page.get_by_label("Quiet hours from").select_option("22:00")
    page.get_by_label("Quiet hours until").select_option("08:00")
    page.get_by_role("button", name="Save my reminders").click()
    expect(page.get_by_role("alert")).to_contain_text("inside your quiet hours")
    check_accessibility(page)
    page.get_by_label("Send them at").select_option("18:00")
    page.get_by_role("button", name="Save my reminders").click()
    expect(page.get_by_role("status").first).to_contain_text("Your reminders are saved")
    sign_out(page)
    with app.test_request_context():
        token = unsubscribe_token(patient.id)
    page.goto(f"{live_server}/unsubscribe/{token}")
    check_accessibility(page)
    page.get_by_role("button", name="Stop reminder emails").click()
    expect(page.get_by_role("status")).to_contain_text("no more reminder emails")
    check_accessibility(page)


def test_the_reset_request_page(page, live_server, check_accessibility, clinician):
    db.session.commit()  # the server thread writes too (SQLite: one writer at a time)
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    check_accessibility(page)
    page.get_by_label("Email").fill(clinician.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account uses that address")
    check_accessibility(page)
