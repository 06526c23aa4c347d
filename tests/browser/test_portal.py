"""The patient portal on a phone (375 x 812): join through the invitation link, read the
intention, mark a task done with a reflection, answer a PHQ-9 with item 9 above 0 and see the
crisis text at once; the clinician then sees the flag (and the reflection). Two demo patients
in turn never see each other's names, intentions or reflections. axe and the page width are
checked on every page the patient sees."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories as make
from tests.portal.builders import local_today
from tracker.core.flags import SafetyFlag
from tracker.core.patients import Patient
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Reflection, ReflectionRevision
from tracker.intention.models import Goal, Intention

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
NEW_PASSWORD = "harbor-kettle-meadow-violin"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="en-US",
                                  timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def check_phone_page(check_accessibility):
    """axe finds nothing, and nothing is wider than the phone (no sideways scrolling)."""
    def _check(page):
        check_accessibility(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"
    return _check


def _menu(page, name: str) -> None:
    """Open the collapsed main menu and follow one of its links, as on a phone."""
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def _invited_patient(clinic, clinician):
    """A new patient with a held session (intention, debrief) and a daily integration task."""
    from tracker.patients.services import invite_to_portal

    patient = make.patient(clinic, clinicians=[clinician], given="Robin", family="Newcomer")
    patient.email = "robin@test.example"
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() - timedelta(days=2),
                                  ended=True)
    make.intention(session, clinician, text="To meet my grief with kindness.",
                   goals=("Call my sister on Sundays",), areas=("grief",))
    debrief = make.debrief(session, clinician)
    today = local_today(patient)
    task = make.task(patient, clinician, debrief=debrief, title="Evening journaling", repeat="daily",
                     starts_on=today - timedelta(days=1), repeat_until=today + timedelta(days=6))
    token = invite_to_portal(patient, by=clinician)
    db.session.commit()
    return patient, session, task, token


def test_a_patient_joins_marks_a_task_answers_a_phq9_and_the_clinician_sees_it(
        phone, page, live_server, sign_in, check_phone_page, check_accessibility, app,
        clinic, clinician):
    patient, session, task, token = _invited_patient(clinic, clinician)

    # joining: the invitation link sets the password and signs in
    phone.goto(f"{live_server}/welcome/{token}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Welcome, Robin Newcomer")
    check_phone_page(phone)
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Set password and sign in").click()

    # my journey: the intention as agreed
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your journey, Robin")
    expect(phone.get_by_text("To meet my grief with kindness.")).to_be_visible()
    expect(phone.get_by_text("Call my sister on Sundays")).to_be_visible()
    expect(phone.get_by_text("Clinician-only preparation note.")).to_have_count(0)
    check_phone_page(phone)

    # my tasks: today's day of the task, marked done with a reflection
    _menu(phone, "My tasks")
    expect(phone.get_by_role("heading", level=1)).to_have_text("My integration tasks")
    check_phone_page(phone)
    today = phone.get_by_role("region", name="Today")
    today.get_by_role("link", name=re.compile("Evening journaling")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Evening journaling")
    check_phone_page(phone)
    phone.get_by_label("How did it go? (optional)").fill("Wrote two pages; felt lighter after.")
    phone.get_by_role("button", name="Mark done").click()
    expect(phone.get_by_role("status").first).to_contain_text("Marked done: Evening journaling.")
    expect(phone.get_by_role("region", name="Today")).to_contain_text("Done")
    check_phone_page(phone)

    # the reflection is on the task's page and in the journal
    done = phone.get_by_role("region", name="Done and skipped")
    done.get_by_role("link", name="Evening journaling").click()
    expect(phone.get_by_text("Wrote two pages; felt lighter after.")).to_be_visible()
    check_phone_page(phone)
    _menu(phone, "My journal")
    expect(phone.get_by_text("Wrote two pages; felt lighter after.")).to_be_visible()
    check_phone_page(phone)

    # my questionnaires: a PHQ-9 with item 9 above 0 shows the crisis text at once
    _menu(phone, "Questionnaires")
    check_phone_page(phone)
    phone.get_by_role("link", name="Answer the PHQ-9").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("PHQ-9")
    check_phone_page(phone)
    for number, value in enumerate([1, 2, 1, 1, 0, 1, 0, 0, 1], start=1):
        phone.locator(f"label[for='item_{number}-{value}']").tap()
    phone.get_by_role("button", name="Send my answers").click()
    alert = phone.get_by_role("alert")
    expect(alert).to_contain_text("call or text 988")
    expect(alert).to_contain_text("Your care team was notified at")
    expect(alert).to_be_in_viewport()
    expect(phone.get_by_text("Score: 7")).to_be_visible()
    check_phone_page(phone)

    # my scores over time and who has seen my record
    phone.get_by_role("link", name="My questionnaires and scores").click()
    expect(phone.locator("canvas[data-score-chart='phq9']")).to_be_visible()
    expect(phone.get_by_role("table")).to_contain_text("mild symptoms of depression")
    check_phone_page(phone)
    _menu(phone, "Who has seen my record")
    check_phone_page(phone)
    phone.get_by_role("link", name="Include what I did").click()
    expect(phone.get_by_text("Marked a day done on an integration task").first).to_be_visible()
    check_phone_page(phone)
    phone.get_by_role("button", name="Show menu").click()
    phone.locator("#account-menu").click()
    phone.get_by_role("button", name="Sign out").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in")

    # the care team: the flag is raised and open; the reflection is stored on the task
    flag = db.session.scalars(sa.select(SafetyFlag).where(SafetyFlag.patient_id == patient.id)).one()
    assert flag.source == "phq9_item9" and flag.acknowledged_at is None
    reflection = db.session.scalars(sa.select(Reflection).where(Reflection.patient_id == patient.id)).one()
    assert (reflection.task_id, reflection.text) == (task.id, "Wrote two pages; felt lighter after.")
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/patients/{patient.id}/flags")
    row = page.get_by_role("row").filter(has_text="PHQ-9 item 9 above 0")
    expect(row).to_contain_text("Open")
    page.goto(f"{live_server}/sessions/{session.id}/debrief")
    expect(page.get_by_text("Wrote two pages; felt lighter after.")).to_be_visible()


# --- two demo patients in turn -----------------------------------------------------------------

def _own_words(email: str) -> tuple[list[str], list[str]]:
    """(names, texts) that belong to the patient signed in as `email`: their names, intentions,
    goals and reflections (with earlier versions)."""
    from tracker.core.users import User

    patient = db.session.scalar(sa.select(Patient).join(User, User.id == Patient.user_id)
                                .where(User.email == email))
    names = [patient.given_name, patient.family_name]
    texts = list(db.session.scalars(sa.select(Intention.intention_text)
                                    .where(Intention.patient_id == patient.id)))
    texts += db.session.scalars(sa.select(Goal.text).join(Intention)
                                .where(Intention.patient_id == patient.id))
    texts += db.session.scalars(sa.select(Reflection.text).where(Reflection.patient_id == patient.id))
    texts += db.session.scalars(sa.select(ReflectionRevision.text).join(Reflection)
                                .where(Reflection.patient_id == patient.id))
    return names, [t for t in texts if t]


@pytest.mark.parametrize("me, other", [("patient@demo.test", "patient2@demo.test"),
                                       ("patient2@demo.test", "patient@demo.test")])
def test_two_patients_never_see_each_others_names_intentions_or_reflections(
        phone, live_server, sign_in, check_phone_page, app, me, other):
    from tracker.demo.seed import seed_demo_clinic

    seed_demo_clinic()
    db.session.commit()
    other_names, other_texts = _own_words(other)
    my_names, my_texts = _own_words(me)
    assert other_texts and my_texts

    sign_in(phone, me, app.config["DEMO_PASSWORD"])
    expect(phone.get_by_role("heading", level=1)).to_contain_text(f"Your journey, {my_names[0]}")
    seen, queue, kinds, shown = set(), ["/me/"], set(), ""
    while queue:
        path = queue.pop(0)
        if path in seen or path.endswith((".ics", ".json")):  # downloads, not pages
            continue
        seen.add(path)
        phone.goto(live_server + path)
        body = phone.locator("body").inner_text()
        shown += body
        for name in other_names:
            assert not re.search(rf"\b{re.escape(name)}\b", body), f"{name!r} on {path}"
        for text in other_texts:
            assert text not in body, f"the other patient's {text[:40]!r} on {path}"
        kind = re.sub(r"\d+", "N", urlsplit(path).path)
        if kind not in kinds:
            kinds.add(kind)
            check_phone_page(phone)
        links = phone.eval_on_selector_all("a[href^='/me/']", "as => as.map(a => a.getAttribute('href'))")
        queue += [href for href in links if href not in seen]
    # Genuinely any, not all: the walk follows links, and proves only that pages holding my
    # own words were reached (else the checks above would pass on empty pages).
    assert any(text in shown for text in my_texts)
    assert len(kinds) >= 5, kinds
