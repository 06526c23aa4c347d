"""Each role signs in through the real form and lands on its home."""
import pytest

from tests import factories as make
from tracker.auth.services import SIGN_IN_FAILED
from tracker.extensions import db

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role_fixture, heading", [
    ("lead", "overview"), ("clinician", "My patients"), ("patient_user", "journey")])
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


def test_wrong_password_and_locked_account_say_the_same(page, live_server, sign_in, clinician, app):
    sign_in(page, clinician.email, "not-the-password")
    wrong = page.locator(".invalid-feedback").inner_text()
    assert SIGN_IN_FAILED in wrong

    locked = make.user(clinician.clinic, "clinician", email="locked@test.example")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(page, locked.email, "wrong-password-again")
    # Now the right password is refused too, with the very same words.
    sign_in(page, locked.email)
    assert page.locator(".invalid-feedback").inner_text() == wrong
    assert "/login" in page.url
    db.session.rollback()
