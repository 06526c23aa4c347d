from tests.dosing.builders import dosed_session, full_record, scheduled_session
from tests.conftest import page_text

def test_smoke(login_as, clinician, patient, lead):
    s = dosed_session(patient, clinician)
    full_record(s, clinician)
    s2 = scheduled_session(patient, clinician, checklist=False)
    sid, sid2 = s.id, s2.id
    c = login_as(clinician)
    r = c.get(f"/sessions/{sid}")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    r = c.get(f"/sessions/{sid2}")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    print(page_text(r)[:3000])
    r = c.get(f"/sessions/{sid}/debrief")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
