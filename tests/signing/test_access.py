"""Who may add an addendum: clinicians on the care team, nobody else."""
import pytest
import sqlalchemy as sa

from tests.dosing.builders import form
from tracker.core.signing.models import Addendum
from tracker.extensions import db

EXPECTED = {  # role -> (GET status, POST status)
    "clinician": (200, 302),
    "clinician2": (404, 404),       # not on this patient's care team
    "lead": (403, 403),             # leads audit, they do not chart
    "intruder": (403, 403),
    "patient_user": (403, 403),
    "patient2_user": (403, 403),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_addendum_routes_by_role(request, login_as, signed, patient2, role):
    client = login_as(request.getfixturevalue(role))
    url = f"/records/dosing_session/{signed.id}/addenda"
    get_status, post_status = EXPECTED[role]
    assert client.get(url).status_code == get_status
    response = client.post(url, data=form("addendum", reason="Late entry", text="More."))
    assert response.status_code == post_status
    stored = db.session.scalar(sa.select(sa.func.count(Addendum.id)))
    assert stored == (1 if role == "clinician" else 0)


@pytest.mark.parametrize("path", [
    "/records/intention/{id}/addenda", "/records/session_note/{id}/addenda",
    "/records/dosing_session/999999/addenda", "/records/dosing_session/abc/addenda"])
def test_unknown_records_are_404(login_as, clinician, signed, path):
    client = login_as(clinician)
    url = path.format(id=signed.id)
    assert client.get(url).status_code == 404
    assert client.post(url, data=form("addendum", reason="r", text="t")).status_code == 404


def test_the_addendum_page_links_back_to_the_record(login_as, clinician, signed):
    html = login_as(clinician).get(f"/records/dosing_session/{signed.id}/addenda").get_data(as_text=True)
    assert f'href="/sessions/{signed.id}#signature"' in html
