"""Headers, CSRF, error pages."""

from tracker.extensions import db


def test_security_headers_on_every_page(client, login_as, clinician):
    response = login_as(clinician).get("/patients/")
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_friendly_500_without_trace(probe_app, lead):
    from tests.conftest import login
    from tracker.core.access import allow

    @allow("lead")
    def boom():
        raise RuntimeError("secret internals")
    probe_app.add_url_rule("/__boom", "boom_probe", boom)
    client = probe_app.test_client()
    db.session.commit()  # the probe app has its own engine: release the test's write lock
    with probe_app.app_context():
        login(client, lead)
        response = client.get("/__boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in text and "secret internals" not in text
    assert "Traceback" not in text


def test_csrf_is_enforced_on_sign_in(csrf_client, clinician):
    response = csrf_client.post("/login", data={"email": clinician.email, "password": "x" * 20})
    assert response.status_code == 400
    assert "expired or was not sent from this site" in response.get_data(as_text=True)


def test_csrf_token_from_the_form_is_accepted(csrf_client, clinician):
    import re

    from tests import factories as make
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post("/login", data={"email": clinician.email, "password": make.PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
    # Sign-out without a token is refused too.
    assert csrf_client.post("/logout").status_code == 400
