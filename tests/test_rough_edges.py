"""Rough edges found by use (issue 14): no dead ends back to the chart, an Acknowledge link
beside an open flag, unique ids, a favicon, and email addresses of closed clinic networks."""
from __future__ import annotations

import re

import pytest

from tests.care import builders as care
from tests.dosing import builders as dosing
from tests.patients import builders
from tracker.fields import is_email_address


@pytest.mark.parametrize("page", ["follow-ups", "questionnaires", "questionnaires/phq9/new",
                                  "flags"])
def test_every_care_page_links_back_to_the_chart(client, login_as, clinician, patient, page):
    login_as(clinician)
    html = client.get(f"/patients/{patient.id}/{page}").get_data(as_text=True)
    assert f'href="/patients/{patient.id}"' in html


def test_the_acknowledge_and_outcome_pages_link_back_to_the_chart(client, login_as, clinician,
                                                                   patient):
    flag = builders.safety_flag(patient)
    follow_up = care.follow_up(patient, clinician)
    login_as(clinician)
    for url in (f"/flags/{flag.id}/acknowledge",
                f"/patients/{patient.id}/follow-ups/{follow_up.id}/outcome"):
        assert f'href="/patients/{patient.id}"' in client.get(url).get_data(as_text=True)


def test_an_open_flag_on_the_session_page_links_to_acknowledge_it(client, login_as, clinician,
                                                                  patient):
    session = dosing.dosed_session(patient, clinician)
    flag = builders.safety_flag(patient, summary="Blood pressure 185/112")
    flag.session_id = session.id
    login_as(clinician)
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert f'href="/flags/{flag.id}/acknowledge"' in html


def test_ids_on_the_questionnaires_page_are_unique(client, login_as, clinician, patient):
    login_as(clinician)
    html = client.get(f"/patients/{patient.id}/questionnaires").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_the_favicon_is_served(client):
    html = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


@pytest.mark.parametrize(("address", "valid"), [
    ("patient@demo.test", True),        # the demo clinic's own addresses
    ("nurse@clinic.local", True),       # a closed network's mail domain
    ("lead@intranet", True),            # a dotless intranet host
    ("jo.rivera@example.org", True),
    ("a@b.invalid", False), ("x@@y.org", False), ("a b@c.test", False), ("a@.test", False),
    ("no-at-sign.org", False),
])
def test_email_addresses_of_closed_networks_are_accepted(address, valid):
    assert is_email_address(address) is valid


def test_a_patient_with_a_demo_address_can_be_edited(client, login_as, clinician, patient):
    login_as(clinician)
    form = client.get(f"/patients/{patient.id}/edit").get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    values.update(email="patient@demo.test", given_name="Renamed")
    values.pop("csrf_token", None)
    response = client.post(f"/patients/{patient.id}/edit", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert patient.email == "patient@demo.test" and patient.given_name == "Renamed"
