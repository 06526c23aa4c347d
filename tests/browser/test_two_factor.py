"""A lead of a clinic that requires two-factor sign-in sets it up (QR code drawn by the app)
and signs in with a code, in a real browser; axe on every page."""
import re
import time

import pyotp
import pytest

from tests import factories as make
from tracker.core.users import User
from tracker.extensions import db

pytestmark = pytest.mark.browser


def _code(user_id: int, steps: int = 0) -> str:
    db.session.expire_all()
    totp = pyotp.TOTP(db.session.get(User, user_id).totp_secret)
    return totp.at(time.time() + steps * totp.interval)


def test_a_lead_sets_up_and_signs_in_with_a_second_factor(page, live_server, sign_in, sign_out,
                                                         check_accessibility, app):
    clinic = make.clinic(name="Strict Clinic", require_2fa_leads=1)
    lead = make.user(clinic, "lead", email="strict@test.example", name="Sam Strict")
    db.session.commit()
    sign_in(page, lead.email)
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor sign-in"
    check_accessibility(page)
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = page.get_by_role("img", name=re.compile("QR code"))
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    check_accessibility(page)
    page.get_by_label("Code").fill(_code(lead.id))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    assert page.locator("main li").count() == 10
    check_accessibility(page)
    sign_out(page)

    sign_in(page, lead.email)
    assert "/login/second-factor" in page.url
    check_accessibility(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "not right" in page.locator(".invalid-feedback").inner_text()
    page.get_by_label("Code").fill(_code(lead.id, 1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "today" in page.get_by_role("heading", level=1).inner_text()
    sign_out(page)
    db.session.rollback()
