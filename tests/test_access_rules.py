"""Every endpoint declares who may use it; the default is deny."""
import pytest
from flask import Blueprint

from tracker.core.access import PUBLIC, declared_rule
from tracker.extensions import db

# the health probes answer load balancers, which do not sign in (and show no data)
PUBLIC_ENDPOINTS = {"static", "auth.sign_in", "auth.redeem_link", "ops.healthz", "ops.readyz",
                    "auth.second_factor"}
# Email: the development mailbox (404 outside development), the password reset by email.
PUBLIC_ENDPOINTS |= {"notify.dev_mailbox", "notify.dev_mail", "reset.request_reset",
                     "reset.reset_password", "notify.unsubscribe"}


def test_every_endpoint_declares_a_rule(app):
    with app.test_request_context():
        missing = [e for e in app.view_functions if declared_rule(e) is None]
    assert missing == []


def test_only_the_known_endpoints_are_public(app):
    with app.test_request_context():
        public = {e for e in app.view_functions if declared_rule(e) == PUBLIC}
    assert public == PUBLIC_ENDPOINTS


def test_an_undeclared_route_is_refused_even_when_signed_in(probe_app, lead):
    from tests.conftest import login

    bp = Blueprint("undeclared_probe", __name__)

    @bp.route("/__probe")
    def probe():
        return "should never be served"
    probe_app.register_blueprint(bp)
    client = probe_app.test_client()
    db.session.commit()  # the probe app has its own engine: release the test's write lock
    with probe_app.app_context():
        login(client, lead)
        response = client.get("/__probe")
    assert response.status_code == 403
    assert "should never be served" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/patients/", "/lead/", "/me/", "/account/password"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role_fixture, path, expected", [
    ("clinician", "/lead/", 403), ("patient_user", "/lead/", 403),
    ("lead", "/patients/", 403), ("patient_user", "/patients/", 403),
    ("lead", "/me/", 403), ("clinician", "/me/", 403),
])
def test_roles_are_kept_to_their_pages(request, login_as, patient, role_fixture, path, expected):
    user = request.getfixturevalue(role_fixture)
    assert login_as(user).get(path).status_code == expected


@pytest.mark.parametrize("role_fixture, home", [
    ("lead", "/lead/"), ("clinician", "/patients/"), ("patient_user", "/me/")])
def test_each_role_lands_on_its_home(request, login_as, patient, role_fixture, home):
    client = login_as(request.getfixturevalue(role_fixture))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith(home)
    assert client.get(home).status_code == 200
