"""The chart's journey as a timeline: one entry per session, newest first, each stage an icon and
a word (never colour alone), earlier sessions folded to a line that names what is not on time."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from tests import factories as make
from tests.conftest import page_text
from tests.patients import builders
from tracker.continuity.stages import STAGE_LABELS
from tracker.db import utcnow
from tracker.extensions import db


def _entries(html: str) -> list[str]:
    timeline = re.search(r'<ol class="journey-timeline">(.*)</ol>', html, re.S).group(1)
    return re.split(r'<li class="timeline-entry', timeline)[1:]


def test_one_entry_per_session_newest_first_dated_in_the_clinics_zone(login_as, clinic, clinician,
                                                                     patient):
    sessions = builders.journey(patient, clinician, 3)   # built newest first
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    entries = _entries(html)
    assert len(entries) == 3
    zone = ZoneInfo(clinic.timezone)
    for entry, session in zip(entries, sessions, strict=True):
        local = session.scheduled_at.astimezone(zone).strftime("%a %d %b %Y, %H:%M")
        assert local in entry
        assert f'id="session-{session.id}-heading"' in entry


def test_the_latest_held_session_is_open_and_earlier_ones_fold(login_as, clinician, patient):
    builders.journey(patient, clinician, 3)
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    newest, *earlier = _entries(html)
    assert newest.startswith(" is-current") and '<details class="timeline-stages" open>' in newest
    for entry in earlier:
        assert entry.startswith(" is-past") and '<details class="timeline-stages">' in entry
        assert re.search(r'<p class="timeline-gist small mb-1">\S', entry)  # one line, in words


def page_text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_a_folded_session_names_what_is_late_or_missing_in_words(login_as, clinician, patient):
    course = make.course(patient)
    old = make.dosing_session(course, clinician=clinician, ended=True,
                              scheduled_at=utcnow() - timedelta(days=30))
    make.intention(old, clinician)   # no debrief, no plan, no follow-up: missing by now
    make.dosing_session(course, clinician=clinician, ended=True,
                        scheduled_at=utcnow() - timedelta(days=2))
    db.session.flush()
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    folded = page_text_of(_entries(html)[1])
    gist = folded.split("Needs attention:")[1].split("Stages of")[0]
    assert "3. Debrief: Missing" in gist and "4. Follow-up: Missing" in gist
    assert "On time" not in gist


def test_every_state_has_an_icon_beside_its_word_hidden_from_screen_readers(login_as, clinician,
                                                                           patient):
    builders.journey(patient, clinician, 1)
    response = login_as(clinician).get(f"/patients/{patient.id}")
    html = response.get_data(as_text=True)
    journey = html.split('id="journey-heading"')[1].split("</section>")[0]
    badges = re.findall(r'<span class="state-badge [^"]*" data-state="[a-z_]+">(<svg[^>]*>).*?</svg>'
                        r'<span>([^<]+)</span>', journey.split('class="stage-list"')[1], re.S)
    assert len(badges) == 8   # every stage of the session
    assert all('aria-hidden="true"' in svg for svg, _ in badges)
    assert {word.strip() for _, word in badges} <= set(STAGE_LABELS.values())
    assert "<table" not in html.split('id="journey-heading"')[1].split("</section>")[0]
    assert "1. Intention On time" in page_text(response)


def test_a_lead_reads_the_timeline_without_the_charting_links(login_as, lead, clinician, patient):
    (session,) = builders.journey(patient, clinician, 1)
    html = login_as(lead).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f'href="/sessions/{session.id}/intention"' not in html
    assert f'href="/sessions/{session.id}/debrief"' in html
