"""Each role signs in through the real form and lands on its home."""
import pytest

from tracker.auth.services import SIGN_IN_FAILED
from tracker.extensions import db, limiter

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role_fixture, heading", [
    ("lead", "today"), ("clinician", "My patients"), ("patient_user", "journey")])
def test_each_role_signs_in_and_sees_its_home(request, page, live_server, sign_in, sign_out,
                                              check_accessibility, patient, role_fixture, heading):
    user = request.getfixturevalue(role_fixture)
    page.goto(f"{live_server}/login")
    check_accessibility(page)
    sign_in(page, user.email)
    assert heading in page.get_by_role("heading", level=1).inner_text()
    check_accessibility(page)
    sign_out(page)
    assert "/login" in page.url


def test_wrong_password_and_unknown_email_say_the_same_and_nobody_is_locked_out(
        page, live_server, sign_in, check_accessibility, clinician, app):
    sign_in(page, clinician.email, "not-the-password")
    wrong = page.locator(".invalid-feedback").inner_text()
    assert SIGN_IN_FAILED in wrong
    sign_in(page, "nobody@test.example", "not-the-password")
    assert page.locator(".invalid-feedback").inner_text() == wrong

    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        sign_in(page, clinician.email, "wrong-password-again")
    # This browser's address now waits before trying this email again, and is told so...
    sign_in(page, clinician.email)
    assert "Too many failed sign-ins" in page.locator(".invalid-feedback").inner_text()
    assert "/login" in page.url
    check_accessibility(page)
    # ...but the account is not locked: once the wait is over, the owner signs in.
    limiter.reset()
    sign_in(page, clinician.email)
    assert "/login" not in page.url
    db.session.rollback()


def test_sign_out_everywhere_else_from_the_password_page(page, live_server, sign_in,
                                                          check_accessibility, clinician):
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/account/password")
    check_accessibility(page)
    page.get_by_role("button", name="Sign out everywhere else").click()
    page.wait_for_load_state()
    assert "Your other sessions are signed out" in page.locator("body").inner_text()
    page.goto(f"{live_server}/patients/")
    assert "/login" not in page.url  # this browser stays signed in
    db.session.rollback()
