"""Staff accounts and care teams: who may use the pages, and each rule (last lead, links,
deactivation ending sessions, reactivation, care-team changes, transfer)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import login, page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.patients import CareTeamMember
from tracker.core.users import OneTimeLink, User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.lead import services
from tracker.rules import Refused

NEW_PASSWORD = "a-fresh-long-passphrase-42"


def _events(action, record_type=None):
    stmt = sa.select(AuditEvent).where(AuditEvent.action == action)
    if record_type:
        stmt = stmt.where(AuditEvent.record_type == record_type)
    return db.session.scalars(stmt).all()


def _team(patient):
    return {(m.clinician_id, m.is_primary) for m in db.session.scalars(
        sa.select(CareTeamMember).where(CareTeamMember.patient_id == patient.id))}


def _link_token(response) -> str:
    match = re.search(r"/welcome/([A-Za-z0-9_-]+)", response.get_data(as_text=True))
    assert match, "the one-time link is shown"
    return match.group(1)


DEACTIVATE = {"reason": "Left the clinic", "confirm": "y"}

# --- who may use the pages ----------------------------------------------------------------------

# method, path, by id, the lead's status with an empty form (the page, a refusal, or done)
ROUTES = [
    ("GET", "/lead/staff", False, 200),
    ("POST", "/lead/staff", False, 422),
    ("POST", "/lead/staff/{staff}/deactivate", True, 422),  # no reason, no tick: asked again
    ("GET", "/lead/staff/{staff}/deactivate", True, 200),
    ("POST", "/lead/staff/{staff}/reactivate", True, 302),
    ("POST", "/lead/staff/{staff}/reset-link", True, 200),
    ("GET", "/lead/care-teams", False, 200),
    ("GET", "/lead/patients/{patient}/care-team", True, 200),
    ("POST", "/lead/patients/{patient}/care-team/add", True, 422),
    ("POST", "/lead/patients/{patient}/care-team/remove", True, 302),
    ("POST", "/lead/patients/{patient}/care-team/primary", True, 302),
    ("POST", "/lead/patients/{patient}/transfer", True, 422),
]


@pytest.mark.parametrize("method, path, by_id, lead_status", ROUTES)
@pytest.mark.parametrize("role", ["lead", "clinician", "patient_user", "intruder"])
def test_only_the_clinics_lead_may_use_the_staff_pages(request, client_for, clinician, clinician2,
                                                       patient, role, method, path, by_id,
                                                       lead_status):
    user = request.getfixturevalue(role)
    url = path.format(staff=clinician2.id, patient=patient.id)
    response = client_for(user).open(url, method=method, data={})
    if role == "lead":
        assert response.status_code == lead_status
    elif role == "intruder":  # a lead of another clinic: our records do not exist for them
        assert response.status_code == (404 if by_id else lead_status)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", ["/lead/staff", "/lead/care-teams"])
def test_a_lead_of_another_clinic_sees_nothing_of_this_one(client_for, intruder, clinician, patient, path):
    text = page_text(client_for(intruder).get(path))
    assert clinician.full_name not in text and patient.full_name not in text
    if path == "/lead/staff":
        assert "Ivy Intruder" in text  # their own staff list, not an empty or broken page


def test_malformed_and_unknown_ids_are_404(client_for, lead, patient_user):
    client = client_for(lead)
    for url in ("/lead/staff/abc/deactivate", "/lead/staff/99999999/reset-link",
                f"/lead/staff/{patient_user.id}/deactivate",  # a patient's account is not staff
                "/lead/patients/99999999999999999999/transfer"):
        assert client.post(url).status_code == 404, url
    assert client.get("/lead/patients/xyz/care-team").status_code == 404


# --- accounts -----------------------------------------------------------------------------------

def test_the_staff_page_lists_leads_and_clinicians_not_patients(client_for, lead, clinician, patient):
    make.user(db.session.get(User, clinician.id).clinic, "clinician", email="gone@test.example",
              name="Gale Gone").active = False
    text = page_text(client_for(lead).get("/lead/staff"))
    assert "Casey Clinician" in text and "Lee Lead" in text and "Gale Gone" in text
    assert "Deactivated" in text and "Alex Patient" not in text


def test_creating_a_clinician_shows_a_one_time_link_that_works_once(app, client_for, lead):
    response = client_for(lead).post("/lead/staff", data={
        "full_name": "Nia Newhire", "email": "Nia@Test.example", "role": "clinician"})
    assert response.status_code == 200
    assert "shown once" in page_text(response)
    token = _link_token(response)
    user = db.session.scalar(sa.select(User).where(User.email == "nia@test.example"))
    assert user.role == "clinician" and user.password_hash is None and user.clinic_id == lead.clinic_id
    link = db.session.scalar(sa.select(OneTimeLink).where(OneTimeLink.user_id == user.id))
    assert link.purpose == "invite" and token not in link.token_hash  # only a hash is stored
    assert [e.record_id for e in _events("create", "user")] == [user.id]
    assert _events("issue_invite_link")[0].user_id == lead.id

    newcomer = app.test_client()
    assert newcomer.get(f"/welcome/{token}").status_code == 200
    done = newcomer.post(f"/welcome/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    again = app.test_client().get(f"/welcome/{token}")
    assert again.status_code == 410 and "already been used" in page_text(again)
    assert login(app.test_client(), "nia@test.example", NEW_PASSWORD).status_code == 302


def test_a_lead_account_can_be_created_too(client_for, lead):
    client_for(lead).post("/lead/staff", data={"full_name": "Lia Lead", "email": "lia@test.example",
                                               "role": "lead"})
    assert db.session.scalar(sa.select(User.role).where(User.email == "lia@test.example")) == "lead"


def test_an_expired_link_is_refused(app, client_for, lead):
    token = _link_token(client_for(lead).post("/lead/staff", data={
        "full_name": "Ezra Late", "email": "ezra@test.example", "role": "clinician"}))
    db.session.execute(sa.update(OneTimeLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = app.test_client().get(f"/welcome/{token}")
    assert response.status_code == 410 and "expired" in page_text(response)


@pytest.mark.parametrize("data, status, message", [
    ({"full_name": "Casey Again", "email": "CLIN@test.example", "role": "clinician"}, 409,
     "already exists"),
    ({"full_name": "Bad Mail", "email": "not-an-email", "role": "clinician"}, 422,
     "does not look like an email"),
    ({"full_name": "", "email": "x@test.example", "role": "clinician"}, 422, "This field is required"),
    ({"full_name": "Pat Role", "email": "p@test.example", "role": "patient"}, 422, "Not a valid choice"),
])
def test_bad_staff_input_is_refused_with_the_typed_values_kept(client_for, lead, clinician, data,
                                                               status, message):
    users = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = client_for(lead).post("/lead/staff", data=data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{data["email"]}"' in html
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users


def test_deactivating_a_clinician_ends_their_sessions_and_links(app, client_for, lead, clinician, patient):
    their_client = client_for(clinician)
    assert their_client.get("/patients/").status_code == 200
    reset = client_for(lead).post(f"/lead/staff/{clinician.id}/reset-link")
    token = _link_token(reset)
    response = client_for(lead).post(f"/lead/staff/{clinician.id}/deactivate", data=DEACTIVATE)
    assert response.status_code == 302
    user = db.session.get(User, clinician.id)
    assert user.active is False and user.deactivated_at is not None
    assert their_client.get("/patients/").status_code == 302  # signed out
    assert login(app.test_client(), clinician).status_code == 200  # refused: form again
    assert app.test_client().get(f"/welcome/{token}").status_code == 410
    assert [e.record_id for e in _events("deactivate")] == [clinician.id]
    # the patient had no other clinician: the lead is sent to the care teams needing one
    assert "unstaffed=1" in response.headers["Location"]


def test_the_last_active_lead_cannot_be_deactivated(client_for, lead, clinician):
    response = client_for(lead).post(f"/lead/staff/{lead.id}/deactivate", data=DEACTIVATE, follow_redirects=True)
    assert "last active lead" in page_text(response)
    assert db.session.get(User, lead.id).active is True
    with pytest.raises(Refused, match="last active lead"):
        services.deactivate_staff(db.session.get(User, lead.id), by=clinician, reason="Leaving")
    # the refused attempt (through the page) is audited as the action it attempted
    assert [(e.outcome, e.record_id) for e in _events("deactivate")] == [("failure", lead.id)]


def test_a_lead_cannot_deactivate_themself_but_another_lead_can(client_for, lead, lead2):
    response = client_for(lead).post(f"/lead/staff/{lead.id}/deactivate", data=DEACTIVATE, follow_redirects=True)
    assert "your own account" in page_text(response)
    assert client_for(lead2).post(f"/lead/staff/{lead.id}/deactivate", data=DEACTIVATE).status_code == 302
    assert db.session.get(User, lead.id).active is False
    # now lead2 is the last one
    client_for(lead2).post(f"/lead/staff/{lead2.id}/deactivate", data=DEACTIVATE)
    assert db.session.get(User, lead2.id).active is True


def test_reactivation_lets_the_person_sign_in_again(app, client_for, lead, clinician):
    client = client_for(lead)
    client.post(f"/lead/staff/{clinician.id}/deactivate", data=DEACTIVATE)
    refused = client.post(f"/lead/staff/{clinician.id}/deactivate", data=DEACTIVATE, follow_redirects=True)
    assert "already deactivated" in page_text(refused)
    refused = client.post(f"/lead/staff/{clinician.id}/reset-link", follow_redirects=True)
    assert "reactivate it first" in page_text(refused)
    assert client.post(f"/lead/staff/{clinician.id}/reactivate").status_code == 302
    assert db.session.get(User, clinician.id).active is True
    assert login(app.test_client(), clinician).status_code == 302
    assert [e.record_id for e in _events("reactivate")] == [clinician.id]
    again = client.post(f"/lead/staff/{clinician.id}/reactivate", follow_redirects=True)
    assert "already active" in page_text(again)


def test_a_reset_link_replaces_older_links_and_sets_a_new_password(app, client_for, lead, clinician):
    client = client_for(lead)
    first = _link_token(client.post(f"/lead/staff/{clinician.id}/reset-link"))
    second = _link_token(client.post(f"/lead/staff/{clinician.id}/reset-link"))
    assert app.test_client().get(f"/welcome/{first}").status_code == 410
    newcomer = app.test_client()
    assert newcomer.post(f"/welcome/{second}", data={"password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD}).status_code == 302
    assert login(app.test_client(), clinician.email, NEW_PASSWORD).status_code == 302
    assert len(_events("issue_reset_link")) == 2


def test_the_staff_page_query_count_does_not_grow_with_staff(client_for, lead, clinic, count_queries):
    client = client_for(lead)

    def build(n):
        for _ in range(n):
            c = make.user(clinic, "clinician")
            make.patient(clinic, clinicians=[c])
        db.session.commit()

    build(3)
    with count_queries() as few:
        assert client.get("/lead/staff").status_code == 200
    build(9)
    with count_queries() as many:
        assert client.get("/lead/staff").status_code == 200
    assert few.count == many.count <= 6


# --- care teams ---------------------------------------------------------------------------------

def test_the_care_team_page_shows_the_team_and_is_audited(client_for, lead, clinician, patient):
    text = page_text(client_for(lead).get(f"/lead/patients/{patient.id}/care-team"))
    assert "Casey Clinician" in text and "Primary clinician" in text
    assert _events("read", "care_team")[0].patient_id == patient.id


def test_adding_removing_and_making_primary(client_for, lead, clinician, clinician2, patient):
    client = client_for(lead)
    added = client.post(f"/lead/patients/{patient.id}/care-team/add",
                        data={"add-clinician_id": clinician2.id})
    assert added.status_code == 302
    assert _team(patient) == {(clinician.id, True), (clinician2.id, False)}
    again = client.post(f"/lead/patients/{patient.id}/care-team/add",
                        data={"add-clinician_id": clinician2.id})
    assert again.status_code == 422  # no longer a choice: already on the team
    refused = client.post(f"/lead/patients/{patient.id}/care-team/remove",
                          data={"clinician_id": clinician.id}, follow_redirects=True)
    assert "is the primary clinician" in page_text(refused)
    client.post(f"/lead/patients/{patient.id}/care-team/primary",
                data={"clinician_id": clinician2.id})
    assert _team(patient) == {(clinician.id, False), (clinician2.id, True)}
    client.post(f"/lead/patients/{patient.id}/care-team/remove", data={"clinician_id": clinician.id})
    assert _team(patient) == {(clinician2.id, True)}
    assert {e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_type == "care_team_member"))} == {
        "add_care_team_member", "set_primary", "remove_care_team_member"}


def test_the_last_clinician_cannot_be_removed(client_for, lead, clinician, patient):
    # make the only member non-primary to reach the "last" rule itself
    db.session.execute(sa.update(CareTeamMember).values(is_primary=False))
    db.session.commit()
    response = client_for(lead).post(f"/lead/patients/{patient.id}/care-team/remove",
                                     data={"clinician_id": clinician.id}, follow_redirects=True)
    assert "no active clinician" in page_text(response)
    assert _team(patient) == {(clinician.id, False)}


def test_a_clinician_of_another_clinic_or_a_deactivated_one_is_refused(client_for, lead, clinician,
                                                                      clinician2, patient,
                                                                      foreign_clinician):
    client = client_for(lead)
    response = client.post(f"/lead/patients/{patient.id}/care-team/add",
                           data={"add-clinician_id": foreign_clinician.id})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    db.session.get(User, clinician2.id).active = False
    db.session.commit()
    with pytest.raises(Refused, match="deactivated"):
        services.add_to_care_team(patient, clinician2.id, by=lead)
    with pytest.raises(Refused, match="clinician of this clinic"):
        services.add_to_care_team(patient, foreign_clinician.id, by=lead)
    assert _team(patient) == {(clinician.id, True)}


def test_transfer_moves_the_patient_to_a_new_primary(client_for, lead, clinician, clinician2, patient):
    response = client_for(lead).post(f"/lead/patients/{patient.id}/transfer", data={
        "transfer-clinician_id": clinician2.id, "transfer-expected_primary_id": clinician.id})
    assert response.status_code == 302
    assert _team(patient) == {(clinician2.id, True)}
    assert _events("transfer")[0].patient_id == patient.id
    # the previous clinician no longer sees the patient
    assert client_for(clinician).get(f"/lead/patients/{patient.id}/care-team").status_code == 403


def test_transfer_can_keep_the_previous_clinician(client_for, lead, clinician, clinician2, patient):
    client_for(lead).post(f"/lead/patients/{patient.id}/transfer", data={
        "transfer-clinician_id": clinician2.id, "transfer-expected_primary_id": clinician.id,
        "transfer-keep_previous": "y"})
    assert _team(patient) == {(clinician2.id, True), (clinician.id, False)}


def test_a_stale_transfer_is_refused_with_the_choice_kept(client_for, lead, clinician, clinician2, patient):
    third = make.user(db.session.get(User, clinician.id).clinic, "clinician", name="Tess Third")
    db.session.commit()
    response = client_for(lead).post(f"/lead/patients/{patient.id}/transfer", data={
        "transfer-clinician_id": clinician2.id, "transfer-expected_primary_id": third.id})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed since you opened this page" in html
    assert re.search(rf'<option selected value="{clinician2.id}"|value="{clinician2.id}" selected', html)
    assert _team(patient) == {(clinician.id, True)}


def test_a_lead_of_another_clinic_cannot_change_this_clinics_teams(client_for, intruder, clinician,
                                                                  clinician2, patient):
    client = client_for(intruder)
    assert client.post(f"/lead/patients/{patient.id}/care-team/add",
                       data={"add-clinician_id": clinician2.id}).status_code == 404
    assert client.post(f"/lead/staff/{clinician.id}/deactivate", data=DEACTIVATE).status_code == 404
    assert _team(patient) == {(clinician.id, True)}
    assert db.session.get(User, clinician.id).active is True


def test_the_care_teams_list_filters_and_keeps_its_query_count(client_for, lead, clinic, clinician,
                                                              clinician2, patient, patient2,
                                                              count_queries):
    client = client_for(lead)
    text = page_text(client.get(f"/lead/care-teams?clinician={clinician2.id}"))
    assert "Blair Secondpatient" in text and "Alex Patient" not in text
    db.session.get(User, clinician2.id).active = False
    db.session.commit()
    text = page_text(client.get("/lead/care-teams?unstaffed=1"))
    assert "Blair Secondpatient" in text and "Alex Patient" not in text

    def build(n):
        for _ in range(n):
            make.patient(clinic, clinicians=[make.user(clinic, "clinician"), clinician])
        db.session.commit()

    build(3)
    with count_queries() as few:
        client.get("/lead/care-teams")
    build(10)
    with count_queries() as many:
        client.get("/lead/care-teams")
    assert few.count == many.count <= 10  # 3 of them write the page's read event


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999"])
def test_a_missing_or_unknown_clinician_id_is_a_message_not_an_error(client_for, lead, clinician,
                                                                     patient, value):
    client = client_for(lead)
    for action in ("remove", "primary"):
        response = client.post(f"/lead/patients/{patient.id}/care-team/{action}",
                               data={"clinician_id": value}, follow_redirects=True)
        assert response.status_code == 200
        expected = {"remove": "That clinician is not on this care team.",
                    "primary": "Add the clinician to the care team first."}[action]
        assert expected in page_text(response)
    assert _team(patient) == {(clinician.id, True)}


def test_deactivation_asks_first_and_keeps_the_reason(client_for, lead, clinician, patient):
    client = client_for(lead)
    page = page_text(client.get(f"/lead/staff/{clinician.id}/deactivate"))
    assert "can no longer sign in" in page and "1 patient(s) will have no other active" in page
    refused = client.post(f"/lead/staff/{clinician.id}/deactivate",
                          data={"reason": "Left the clinic"})
    assert refused.status_code == 422 and "Tick the box to confirm." in page_text(refused)
    assert 'value="Left the clinic"' in refused.get_data(as_text=True)  # what was typed stays
    no_reason = client.post(f"/lead/staff/{clinician.id}/deactivate", data={"confirm": "y"})
    assert no_reason.status_code == 422 and "Give a reason" in page_text(no_reason)
    assert db.session.get(User, clinician.id).active is True
    assert client.post(f"/lead/staff/{clinician.id}/deactivate",
                       data=DEACTIVATE).status_code == 302
    user = db.session.get(User, clinician.id)
    assert user.active is False and user.deactivation_reason == "Left the clinic"
    assert "Left the clinic" in page_text(client.get("/lead/staff"))
    client.post(f"/lead/staff/{clinician.id}/reactivate")
    assert db.session.get(User, clinician.id).deactivation_reason is None
