"""Two-factor sign-in (issue 11 item 6): a lead of a clinic that requires it sets it up and then
signs in with a code; codes work once; recovery codes work once; a lead resets a clinician's
second factor; patients may opt in; all of it audited."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import login
from tracker.core.audit.models import AuditEvent
from tracker.core.clinic import Clinic
from tracker.core.users import RecoveryCode, User
from tracker.extensions import db


def _code(user: User, steps: int = 0) -> str:
    db.session.refresh(user)
    totp = pyotp.TOTP(user.totp_secret)
    return totp.at(time.time() + steps * totp.interval)


def _actions(user: User) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(e.action, e.outcome) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.record_type == "user", AuditEvent.record_id == user.id)
        .order_by(AuditEvent.seq))]


@pytest.fixture
def strict_clinic(app):
    return make.clinic(name="Strict Clinic", require_2fa_leads=1)


@pytest.fixture
def strict_lead(strict_clinic):
    return make.user(strict_clinic, "lead", email="strict-lead@test.example", name="Sam Strict")


def _enrol(client, user) -> list[str]:
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor/setup")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'src="data:image/svg+xml' in html  # drawn by the app
    assert "https://" not in re.sub(r'href="[^"]*"', "", html.split("<main", 1)[-1])  # no QR service
    response = client.post("/account/two-factor/setup", data={"code": _code(user)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.get_data(as_text=True))
    assert len(codes) == 10
    return codes


def test_a_lead_sets_up_and_signs_in_with_a_second_factor(client, strict_lead):
    # the clinic requires it: after the password, every page leads to the set-up
    assert login(client, strict_lead).status_code == 302
    response = client.get("/lead/")
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")
    codes = _enrol(client, strict_lead)
    assert client.get("/lead/").status_code == 200
    client.post("/logout")

    # the password alone no longer signs in
    response = login(client, strict_lead)
    assert response.status_code == 302 and response.location.endswith("/login/second-factor")
    assert client.get("/lead/").status_code == 302  # not signed in yet
    assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 422
    response = client.post("/login/second-factor", data={"code": _code(strict_lead, 1)})
    assert response.status_code == 302
    assert client.get("/lead/").status_code == 200
    assert ("enrol_second_factor", "success") in _actions(strict_lead)
    assert _actions(strict_lead)[-2:] == [("second_factor", "failure"), ("second_factor", "success")]
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)
                                .where(RecoveryCode.user_id == strict_lead.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed, never the codes


def test_a_code_is_accepted_once(client, strict_lead):
    login(client, strict_lead)
    _enrol(client, strict_lead)
    client.post("/logout")
    login(client, strict_lead)
    code = _code(strict_lead, 1)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    client.post("/logout")
    login(client, strict_lead)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 422


def test_a_recovery_code_works_once(client, strict_lead):
    login(client, strict_lead)
    codes = _enrol(client, strict_lead)
    for expected in (302, 422):
        client.post("/logout")
        login(client, strict_lead)
        response = client.post("/login/second-factor", data={"code": codes[3].upper()})
        assert response.status_code == expected


def test_five_wrong_codes_send_back_to_the_password(client, strict_lead):
    login(client, strict_lead)
    _enrol(client, strict_lead)
    client.post("/logout")
    login(client, strict_lead)
    for _ in range(4):
        assert client.post("/login/second-factor", data={"code": "123456"}).status_code == 422
    response = client.post("/login/second-factor", data={"code": "123456"})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.post("/login/second-factor", data={"code": _code(strict_lead, 1)}).status_code == 302
    assert client.get("/lead/").status_code == 302  # the right code came too late
    # counted on the server: a new password step (or a replayed cookie) earns no fresh tries
    login(client, strict_lead)
    response = client.post("/login/second-factor", data={"code": _code(strict_lead, 1)})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/lead/").status_code == 302


def test_the_code_must_follow_within_five_minutes(client, strict_lead, monkeypatch):
    from tracker.auth import two_factor_routes

    login(client, strict_lead)
    _enrol(client, strict_lead)
    client.post("/logout")
    login(client, strict_lead)
    real = two_factor_routes.utcnow
    monkeypatch.setattr(two_factor_routes, "utcnow", lambda: real() + __import__("datetime").timedelta(minutes=6))
    response = client.post("/login/second-factor", data={"code": _code(strict_lead, 1)})
    assert response.status_code == 302 and response.location.endswith("/login")


def test_a_lead_resets_a_clinicians_second_factor(client, login_as, lead, clinician):
    own = login_as(clinician)
    _enrol(own, clinician)
    assert own.get("/patients/").status_code == 200
    client.post("/logout")
    lead_client = login_as(lead)
    assert lead_client.post(f"/lead/staff/{clinician.id}/reset-second-factor").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, clinician.id).has_second_factor
    assert ("reset_second_factor", "success") in _actions(clinician)
    lead_client.post("/logout")
    assert login(client, clinician).status_code == 302  # password alone again (not required)
    assert client.get("/patients/").status_code == 200


def test_a_clinician_cannot_reset_anyones_second_factor(login_as, clinician, clinician2):
    client = login_as(clinician)
    assert client.post(f"/lead/staff/{clinician2.id}/reset-second-factor").status_code == 403


def test_required_for_clinicians_when_the_clinic_says_so(client, clinic, clinician):
    clinic.settings = {**clinic.settings, "require_2fa_clinicians": 1}
    db.session.commit()
    login(client, clinician)
    response = client.get("/patients/")
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")
    _enrol(client, clinician)
    response = client.post("/account/two-factor/disable", data={"code": _code(clinician, 1)})
    assert response.status_code == 422  # required: it stays on
    assert db.session.get(User, clinician.id).has_second_factor


def test_a_patient_may_opt_in_and_out(client, patient_user):
    login(client, patient_user)
    codes = _enrol(client, patient_user)
    client.post("/logout")
    assert login(client, patient_user).location.endswith("/login/second-factor")
    assert client.post("/login/second-factor", data={"code": _code(patient_user, 1)}).status_code == 302
    response = client.post("/account/two-factor/disable", data={"code": "000000"})
    assert response.status_code == 422
    # an older code than the one just used is refused (codes are good once, in order) ...
    response = client.post("/account/two-factor/disable", data={"code": _code(patient_user, -1)})
    assert response.status_code == 422
    # ... a recovery code proves it as well
    response = client.post("/account/two-factor/disable", data={"code": codes[0]})
    assert response.status_code == 302
    assert ("disable_second_factor", "success") in _actions(patient_user)
    client.post("/logout")
    assert login(client, patient_user).status_code == 302
    assert not login(client, patient_user).location.endswith("/second-factor")


def test_a_wrong_code_at_set_up_keeps_it_off_and_is_audited(client, patient_user):
    login(client, patient_user)
    client.post("/account/two-factor/start")
    assert client.post("/account/two-factor/setup", data={"code": "12"}).status_code == 422
    assert not db.session.get(User, patient_user.id).has_second_factor
    assert ("enrol_second_factor", "failure") in _actions(patient_user)


def test_a_new_clinic_requires_it_of_leads_and_not_of_clinicians():
    clinic = Clinic(name="New", settings={})
    assert clinic.setting("require_2fa_leads") == 1 and clinic.setting("require_2fa_clinicians") == 0


def test_the_lead_sets_the_requirement_in_the_clinic_settings(login_as, lead, clinic):
    from tests.lead.builders import settings_form as _form

    client = login_as(lead)
    data = _form(clinic, require_2fa_clinicians="y")
    data.pop("require_2fa_leads", None)  # an unticked box is not sent
    assert client.post("/lead/settings", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Clinic, clinic.id)
    assert saved.setting("require_2fa_clinicians") == 1 and saved.setting("require_2fa_leads") == 0
