"""The demo clinic's twelve patients, each at a different point of the journey.

Each story names the patient and their care team; its `journey` builds their records. Day
offsets are relative to today in the clinic's zone (negative = past).
"""
from __future__ import annotations

from datetime import timedelta

from tracker.care.models import QuestionnaireAssignment
from tracker.core.signing.models import Addendum
from tracker.demo import courses as c
from tracker.extensions import db
from tracker.integration.models import ReflectionRevision

DEPRESSION_GOALS = ("Walk outside three mornings a week", "Call or text a friend twice a week",
                    "Write three lines in a journal before bed")


def jordan(build, patient, account, staff):
    """patient@: mid-course (4 of 6 done, the 5th in two days), every stage filled in."""
    clin = staff["therapist"]
    course = c.course(build, patient, clin, start=-20)
    steps = c.series(build, patient, clin, course, [-17, -14, -10, -6, 2], areas=("depression", "trauma"),
                     goals=DEPRESSION_GOALS, texts=(
                         "To meet the heaviness with curiosity instead of dread.",
                         "To let myself feel what comes up about my brother without shutting down.",
                         "To notice the moments when I am already okay.",
                         "To carry some of the lightness back into ordinary days.",
                         "To put down the old story that I am a burden."),
                     tweaks={0: {"shared": True}, 2: {"shared": True, "vitals": [
                         ("pre_dose", -5, 128, 82, 74, 98), ("during", 40, 162, 98, 88, 97),
                         ("pre_discharge", 85, 134, 84, 76, 98)]},
                         3: {"vitals": [("pre_dose", -5, 124, 80, 98, 98),
                                        ("during", 40, 138, 86, 106, 97),
                                        ("pre_discharge", 88, 128, 82, 104, 98)],
                             "vitals_override": "Heart rate 104 is near his usual resting rate "
                                                "(98 before dosing); feels well, walking steadily; "
                                                "escort present."},
                         4: {"checklist": ("consent_on_file", "medications_reviewed")}})
    second = steps[1].session
    build.audit(second.signed_at + timedelta(days=1), clin, "addendum", "dosing_session", second.id,
                patient.id)
    db.session.add(Addendum(patient_id=patient.id, record_type="dosing_session", record_id=second.id,
                            author_id=clin.id, created_at=second.signed_at + timedelta(days=1),
                            reason="Lot number transcribed wrongly",
                            text=f"The lot number was {second.lot_number[:-1]}7, as on the vial label "
                                 "kept in the pharmacy log."))
    walk = build.task(patient, clin, steps[0].debrief, title="Morning walk", kind="movement",
                      start=-16, repeat="daily", until=12, done_rate=0.8, user=account,
                      instructions="Ten minutes outside before breakfast; notice three things you see.")
    build.task(patient, clin, steps[0].debrief, title="Text a friend", kind="connection", start=-15,
               repeat="weekly", until=20, user=account)
    letter = build.task(patient, clin, steps[1].debrief, title="Letter to your younger self",
                        kind="journaling", start=-13, due=-9, done_rate=1, user=account)
    build.task(patient, clin, steps[3].debrief, title="Read: the 'befriending the body' handout",
               kind="reading", start=-5, due=3, user=account)
    build.task(patient, clin, steps[3].debrief, title="Three-line journal", kind="journaling",
               start=-5, repeat="daily", until=9, done_rate=0.7, user=account)
    first_words = "The walk was easier than I thought."
    note = build.reflection(patient, account, task=walk, at=build.at(-12, 20, 15), text=first_words)
    edited = build.at(-11, 7, 50)  # edited the next morning: the earlier text is kept
    db.session.add(ReflectionRevision(reflection_id=note.id, revised_at=edited, text=first_words))
    note.text = (first_words + " I saw the heron again by the canal, and for a minute I forgot "
                 "to be tired.")
    note.updated_at = edited
    db.session.flush()
    build.audit(edited, account, "update", "reflection", note.id, patient.id)
    build.reflection(patient, account, task=letter, at=build.at(-9, 21),
                     text="I told him it was not his job to hold everyone together.")
    build.reflection(patient, account, session=steps[3].session, at=build.at(-5, 21, 30),
                     text="Journal: a calm week, apart from Thursday. Sleeping better.")
    c.scores(build, patient, account, clin, "phq9", [(-21, 19), (-15, 15), (-11, 13), (-7, 10), (-1, 8)])
    c.scores(build, patient, account, clin, "gad7", [(-21, 13), (-7, 9)])
    c.scores(build, patient, account, clin, "pcl5", [(-21, 42)])
    db.session.add(QuestionnaireAssignment(patient_id=patient.id, instrument="pcl5",
                                           assigned_by_id=clin.id, assigned_at=build.at(-1, 16),
                                           due_on=build.day(4)))
    build.audit(build.at(-1, 16), clin, "assign", "questionnaire", None, patient.id)
    c.follow_ups(build, patient, clin, [("integration", -13, "completed"), ("check_in", -8, "completed"),
                                        ("integration", -4, "completed"), ("integration", 4, "scheduled")])


def sam(build, patient, account, staff):
    """patient2@: preparing for the first session in three days; the intention is set."""
    clin = staff["therapist"]
    course = c.course(build, patient, clin, start=-5)
    c.series(build, patient, clin, course, [3], areas=("depression", "anxiety"),
             goals=("Get out of bed by 8 on weekdays", "Cook one real meal a week with my partner"),
             texts=("To find out what is underneath the numbness, and to come back with one "
                    "thing I can use.",),
             tweaks={0: {"checklist": ("consent_on_file", "medications_reviewed", "escort_arranged")}})
    c.scores(build, patient, account, clin, "phq9", [(-5, 17)])
    c.scores(build, patient, account, clin, "gad7", [(-5, 12)])
    c.follow_ups(build, patient, clin, [("other", -6, "completed", "Intake assessment; consent signed."),
                                        ("check_in", 1, "scheduled")])


def priya(build, patient, account, staff):
    """Finished an induction course; PHQ-9 fell from 20 to 4 (remission)."""
    clin = staff["therapist"]
    course = c.course(build, patient, clin, start=-50, status="completed", status_day=-31,
                      reason="Induction series completed; moving to monthly check-ins.")
    steps = c.series(build, patient, clin, course, [-48, -45, -42, -38, -35, -32],
                     areas=("depression", "grief"),
                     goals=("Visit my mother's garden once a week", "Eat lunch away from my desk"),
                     texts=("To grieve without drowning in it.", "To remember her laughing.",
                            "To let the guilt be smaller than the love."))
    gratitude = build.task(patient, clin, steps[0].debrief, title="Gratitude note", kind="journaling",
                           start=-47, repeat="daily", until=-20, done_rate=0.9, user=account)
    build.task(patient, clin, steps[1].debrief, title="Visit the garden", kind="movement", start=-44,
               repeat="weekly", until=-9, done_rate=0.95, user=account)
    build.task(patient, clin, steps[2].debrief, title="Read: 'Grief is love persevering'",
               kind="reading", start=-41, due=-36, done_rate=1, user=account)
    build.reflection(patient, account, task=gratitude, at=build.at(-30, 20),
                     text="Thankful for the neighbour who waters the roses when I cannot.")
    c.scores(build, patient, account, clin, "phq9",
             [(-52, 20), (-44, 16), (-37, 11), (-30, 8), (-16, 6), (-3, 4)])
    c.scores(build, patient, account, clin, "gad7", [(-52, 11), (-30, 6), (-3, 3)])
    c.follow_ups(build, patient, clin, [("integration", -43, "completed"), ("integration", -36, "completed"),
                                        ("integration", -29, "completed"), ("check_in", -15, "completed"),
                                        ("booster_assessment", 10, "scheduled")])


def marcus(build, patient, account, staff):
    """Integration tasks overdue for weeks; an open PHQ-9 item 9 flag past its 24 h window."""
    clin = staff["therapist"]
    course = c.course(build, patient, clin, start=-31)
    steps = c.series(build, patient, clin, course, [-29, -26, -22, 4], areas=("substance_use", "depression"),
                     goals=("Keep an urge log every evening", "Go to two meetings a week"),
                     texts=("To look at the craving without obeying it.",
                            "To forgive the version of me that drank."))
    build.task(patient, clin, steps[1].debrief, title="Journal about the second session",
               kind="journaling", start=-25, due=-23, done_rate=0, user=account)
    build.task(patient, clin, steps[2].debrief, title="Read chapter 1 of the workbook", kind="reading",
               start=-21, due=-15, done_rate=0, user=account)
    build.task(patient, clin, steps[2].debrief, title="Evening breathing practice", kind="mindfulness",
               start=-21, repeat="weekly", until=7, done_rate=0.35, user=account)
    build.task(patient, clin, steps[0].debrief, title="Urge log", kind="routine", start=-28,
               repeat="daily", until=-8, done_rate=0.5, user=account)
    phq = c.scores(build, patient, account, clin, "phq9", [(-33, 18), (-27, 15), (-2, 14, 1)])
    build.flag(patient, source="phq9_item9", source_id=phq[-1].id, raised_at=phq[-1].completed_at,
               summary="PHQ-9 item 9 answered 'Several days'.")
    c.follow_ups(build, patient, clin, [("integration", -24, "completed"), ("check_in", -14, "completed"),
                                        ("integration", -7, "missed"), ("check_in", 1, "scheduled")])


def elena(build, patient, account, staff):
    """Mid-course: a late debrief, one still missing, a late signature; an adverse event and
    an alert-level blood pressure (flag acknowledged)."""
    clin = staff["therapist"]
    course = c.course(build, patient, clin, start=-15)
    steps = c.series(build, patient, clin, course, [-13, -9, -4], areas=("anxiety", "trauma"),
                     goals=("Drive on the highway once a week", "Sleep without the radio on"),
                     texts=("To feel safe in my own body.", "To let the fear pass through."),
                     tweaks={
                         0: {"adverse": [("nausea", "mild", 35,
                                          "Ondansetron 4 mg given; settled in 15 minutes.")]},
                         1: {"debrief_after": 100, "adverse": [(
                             "hypertension", "moderate", 40,
                             "Infusion paused 10 minutes; 158/94 on recheck; resumed at a lower rate.")],
                             "vitals": [("pre_dose", -5, 126, 80, 76, 98), ("during", 40, 184, 108, 96, 97),
                                        ("pre_discharge", 85, 138, 86, 78, 98)]},
                         2: {"no_debrief": True, "sign_after_h": 30}})
    alert = build.vitals[steps[1].session.id][1]
    build.flag(patient, source="vital_alert", source_id=alert.id, raised_at=alert.measured_at,
               session=steps[1].session, summary="Blood pressure 184/108 during the infusion.",
               acknowledged_by=clin, ack_after_h=0.5,
               note="Infusion paused; settled at 158/94; prescriber informed; lower rate next time.")
    build.task(patient, clin, steps[0].debrief, title="Box breathing", kind="mindfulness", start=-11,
               repeat="daily", until=3, done_rate=0.75, user=account)
    build.task(patient, clin, steps[1].debrief, title="Walk with a friend", kind="connection",
               start=-4, due=1, user=account)
    c.scores(build, patient, account, clin, "phq9", [(-16, 16), (-10, 15), (-5, 12)])
    c.scores(build, patient, account, clin, "gad7", [(-16, 17), (-5, 13)])
    c.follow_ups(build, patient, clin, [("integration", -7, "completed"), ("integration", 2, "scheduled")])


def tom(build, patient, account, staff):
    """Lost to follow-up: last contact 46 days ago, two follow-ups missed since."""
    clin = staff["therapist"]
    course = c.course(build, patient, clin, start=-90)
    steps = c.series(build, patient, clin, course, [-88, -85, -81, -78],
                     areas=("depression", "existential"),
                     goals=("Call my daughter on Sundays", "Finish one woodworking project"),
                     texts=("To find a reason to get up that is mine.",))
    build.task(patient, clin, steps[0].debrief, title="Morning stretch", kind="movement", start=-87,
               repeat="daily", until=-60, done_rate=0.6, user=account)
    c.scores(build, patient, account, clin, "phq9", [(-92, 21), (-80, 16), (-47, 17)])
    c.follow_ups(build, patient, clin, [("integration", -84, "completed"), ("integration", -77, "completed"),
                                        ("check_in", -46, "completed"), ("integration", -38, "missed"),
                                        ("check_in", -31, "missed")])


def grace(build, patient, account, staff):
    """therapist2's: intranasal esketamine course; PHQ-9 item 9 yesterday: flag open."""
    clin = staff["therapist2"]
    course = c.course(build, patient, clin, start=-12, planned=8)
    steps = c.series(build, patient, clin, course, [-10, -7, -3], medication="esketamine",
                     route="intranasal", doses=("56", "56", "84"), hour=13,
                     areas=("depression", "existential"),
                     goals=("Eat breakfast every day", "Say yes to one invitation a week"),
                     texts=("To be less afraid of the quiet.", "To feel that I belong somewhere."))
    # The REMS monitoring forms: the first submitted two days after, the second answered but
    # not submitted (due about now), the last one just answered (pending).
    build.rems_form(steps[0].session, clin, ready_minutes=110, submit_after_h=46,
                    submitter=staff["lead"])
    build.rems_form(steps[1].session, clin, ready_minutes=120)
    build.rems_form(steps[2].session, clin, ready_minutes=115)
    build.task(patient, clin, steps[0].debrief, title="Self-compassion pause", kind="mindfulness",
               start=-9, repeat="daily", until=5, done_rate=0.7, user=account)
    build.task(patient, clin, steps[2].debrief, title="Write to your sister", kind="connection",
               start=-2, due=2, user=account)
    phq = c.scores(build, patient, account, clin, "phq9", [(-13, 22), (-8, 19), (-1, 17, 1)])
    build.flag(patient, source="phq9_item9", source_id=phq[-1].id, raised_at=phq[-1].completed_at,
               summary="PHQ-9 item 9 answered 'Several days'.")
    c.scores(build, patient, account, clin, "gad7", [(-13, 15)])
    c.follow_ups(build, patient, clin, [("integration", -6, "completed"), ("check_in", -2, "completed"),
                                        ("integration", 3, "scheduled")])


def daniel(build, patient, account, staff):
    """therapist2's: an IM course completed two months ago, then a booster with an override."""
    clin = staff["therapist2"]
    first = c.course(build, patient, clin, start=-70, status="completed", status_day=-50,
                     reason="Induction series completed.")
    steps = c.series(build, patient, clin, first, [-68, -65, -61, -58, -54, -51], route="im",
                     doses=("0.5", "0.6", "0.6", "0.75", "0.75", "0.75"), areas=("trauma",),
                     goals=("Sleep through the night four nights a week", "Drive past the site once"),
                     texts=("To stop bracing.", "To meet the memory as an adult."))
    build.task(patient, clin, steps[0].debrief, title="Grounding before sleep", kind="mindfulness",
               start=-67, repeat="daily", until=-40, done_rate=0.85, user=account)
    booster = c.course(build, patient, clin, start=-8, kind="booster", planned=1)
    boost = c.series(build, patient, clin, booster, [-6], route="im", doses=("1.2",), areas=("trauma",),
                     goals=("Sleep through the night four nights a week",),
                     texts=("To get back the ground I had in the spring.",),
                     tweaks={0: {"checklist": ("escort_arranged", "medications_reviewed",
                                               "consent_on_file", "baseline_vitals_ok"),
                                 "override": "Ate a light breakfast 5 hours before; reviewed with "
                                             "the prescriber; proceeded.",
                                 "dose_reason": "Partial response at 0.75 mg/kg in the induction "
                                                "series; the prescriber ordered 1.2 mg/kg IM for "
                                                "the booster."}})
    build.task(patient, clin, boost[0].debrief, title="Evening wind-down", kind="routine", start=-5,
               repeat="daily", until=10, done_rate=0.9, user=account)
    c.scores(build, patient, account, clin, "phq9",
             [(-72, 19), (-60, 12), (-50, 7), (-30, 9), (-9, 11), (-2, 7)])
    c.scores(build, patient, account, clin, "pcl5", [(-72, 48), (-50, 29), (-9, 33)])
    c.follow_ups(build, patient, clin, [("integration", -64, "completed"), ("integration", -57, "completed"),
                                        ("integration", -50, "completed"), ("check_in", -30, "completed"),
                                        ("booster_assessment", -9, "completed"),
                                        ("integration", -3, "completed")])


def hannah(build, patient, account, staff):
    """therapist2's: newly referred, invited to the portal, first session next week."""
    clin = staff["therapist2"]
    course = c.course(build, patient, clin, start=-2)
    build.dosing_session(course, clin, scheduled_at=build.at(6, 10), weight=patient.weight_kg,
                         completed=False)
    c.scores(build, patient, account, clin, "phq9", [(-4, 15)])
    c.scores(build, patient, account, clin, "gad7", [(-4, 10)])
    c.follow_ups(build, patient, clin, [("other", -4, "completed", "Intake assessment."),
                                        ("check_in", 4, "scheduled")])


def olivia(build, patient, account, staff):
    """The nurse's: maintenance; the latest debrief has no integration plan yet."""
    clin = staff["nurse"]
    course = c.course(build, patient, clin, start=-25, kind="maintenance", planned=3)
    steps = c.series(build, patient, clin, course, [-21, -7], areas=("depression",),
                     goals=("Keep the Tuesday choir",), texts=("To keep what I found last year.",))
    build.task(patient, clin, steps[0].debrief, title="Choir practice", kind="connection", start=-20,
               repeat="weekly", until=-6, done_rate=1, user=account)
    c.scores(build, patient, account, clin, "phq9", [(-30, 9), (-8, 8)])
    c.follow_ups(build, patient, clin, [("integration", -18, "completed"), ("integration", -5, "completed"),
                                        ("check_in", 8, "scheduled")])


def luis(build, patient, account, staff):
    """Discharged (moved away) part-way through a course; the reason is kept."""
    clin = staff["nurse"]
    course = c.course(build, patient, clin, start=-95, status="discharged", status_day=-40,
                      reason="Moved out of state; records sent to his new psychiatrist with consent.")
    c.series(build, patient, clin, course, [-93, -90, -86, -83], areas=("depression",),
             goals=("Fish on Saturdays again",), texts=("To feel like myself at work.",))
    c.scores(build, patient, account, clin, "phq9", [(-96, 17), (-84, 12), (-45, 10)])
    c.follow_ups(build, patient, clin, [("integration", -89, "completed"), ("integration", -82, "completed"),
                                        ("check_in", -45, "completed")])


def noah(build, patient, account, staff):
    """Paused for travel; his first session went without an intention and is still unsigned.
    His weight is 40 days old: a ketamine dose on his return needs him weighed again."""
    clin = staff["therapist2"]
    course = c.course(build, patient, clin, start=-30, status="paused", status_day=-12,
                      reason="Travelling for work for six weeks; resumes on return.")
    c.series(build, patient, clin, course, [-28, -24], areas=("anxiety",),
             goals=("Present at the team meeting",), texts=("To speak without rehearsing.",),
             tweaks={0: {"no_intention": True, "sign_after_h": None}})
    c.scores(build, patient, account, clin, "phq9", [(-31, 16), (-25, 14)])
    c.follow_ups(build, patient, clin, [("integration", -21, "missed"), ("check_in", 30, "scheduled")])


# Noah's sex is not recorded: his chart shows what the REMS form would miss.
SEX = {"Jordan": "male", "Sam": "male", "Priya": "female", "Marcus": "male", "Elena": "female",
       "Tom": "male", "Grace": "female", "Daniel": "male", "Hannah": "female", "Olivia": "female",
       "Luis": "male"}


def _story(given, family, born, weight, team, since, journey, email=None, **extra):
    return dict(given=given, family=family, born=born, weight=weight, team=team, since=since,
                journey=journey, email=email, sex=SEX.get(given), **extra)


JOURNEYS = (
    _story("Jordan", "Rivera", "1988-06-02", "74.0", ("therapist", "nurse"), -24, jordan,
           "patient@demo.test"),
    _story("Sam", "Chen", "1979-11-20", "81.5", ("therapist",), -7, sam, "patient2@demo.test"),
    _story("Priya", "Natarajan", "1984-02-11", "62.0", ("therapist",), -56, priya,
           "priya.natarajan@demo.test"),
    _story("Marcus", "Bell", "1975-09-03", "92.0", ("therapist", "nurse"), -36, marcus,
           "marcus.bell@demo.test"),
    _story("Elena", "Petrova", "1991-04-27", "58.5", ("therapist",), -18, elena,
           "elena.petrova@demo.test"),
    _story("Tom", "Whitaker", "1969-12-08", "88.0", ("therapist",), -95, tom, "tom.whitaker@demo.test"),
    _story("Grace", "Liu", "1995-07-19", "55.0", ("therapist2", "nurse"), -16, grace,
           "grace.liu@demo.test"),
    _story("Daniel", "Okoro", "1982-01-30", "79.0", ("therapist2",), -75, daniel,
           "daniel.okoro@demo.test"),
    _story("Hannah", "Berg", "2000-05-05", "64.0", ("therapist2",), -6, hannah,
           "hannah.berg@demo.test", invited=True),
    _story("Olivia", "Grant", "1977-08-14", "70.0", ("nurse", "therapist2"), -40, olivia,
           "olivia.grant@demo.test"),
    _story("Luis", "Ortega", "1966-03-22", "84.0", ("nurse",), -100, luis, "luis.ortega@demo.test",
           status="discharged", status_day=-40,
           status_reason="Moved out of state; records sent to his new psychiatrist with consent."),
    _story("Noah", "Fischer", "1990-10-10", "76.0", ("therapist2",), -35, noah,
           "noah.fischer@demo.test", weighed=-40, status="paused", status_day=-12,
           status_reason="Travelling for work for six weeks; resumes on return."),
)
