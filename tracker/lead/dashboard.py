"""The continuity dashboard: counts per rule and clinician, the weekly trend, and the records
behind every number (a page, and a streamed CSV export). Leads only, their own clinic only.
Routes on the `lead` blueprint (imported at the bottom of tracker/lead/routes.py)."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user

from tracker.continuity import queries
from tracker.continuity.forms import PeriodForm
from tracker.continuity.rules import DRILLDOWN_LABELS, RULES, STATE_LABELS, thresholds_text
from tracker.continuity.scope import Scope
from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.flags import FLAG_SOURCES
from tracker.core.users import LEAD
from tracker.db import utcnow
from tracker.extensions import db
from tracker.lead.exports import stream_csv
from tracker.lead.routes import bp
from tracker.lead.trend_marks import BAND_WORDS, band, sparkline, trend_words
from tracker.timezones import clinic_today, clinic_zone

MAX_PAGE = 10_000


def _period_form() -> tuple[PeriodForm, dict[int, str]]:
    names = queries.clinician_names(current_user.clinic_id)
    form = PeriodForm(request.args, clinicians=names, today=clinic_today())
    return form, names


def _scope(form: PeriodForm) -> Scope:
    first, last = form.period
    return Scope.for_clinic(current_user.clinic, utcnow(), first, last,
                            clinician_id=form.clinician.data,
                            course_status=form.course.data or None)


def _rule_and_state(rule: str, state: str):
    if rule not in RULES or state not in DRILLDOWN_LABELS:
        abort(404)
    return RULES[rule]


@bp.route("/continuity")
@allow(LEAD)
def dashboard():
    form, names = _period_form()
    if not form.validate():
        return render_template("lead/dashboard.html", form=form, invalid=True), 400
    scope = _scope(form)
    summary, weeks, trend = queries.overview(scope)
    clinicians = sorted(summary.by_clinician, key=lambda cid: (cid is None, names.get(cid, "")))
    unit = weeks[0].unit if weeks else "week"
    rates = {key: [trend[key][w.index].rate for w in weeks] for key in RULES}
    sparks = {key: (sparkline(rates[key]), trend_words(rates[key], unit)) for key in RULES}
    args = form.filter_args()
    others = {k: v for k, v in args.items() if k != "clinician"}
    links, clinician_links = {}, {}
    for key in RULES:
        for state in DRILLDOWN_LABELS:
            links[key, state] = url_for("lead.drilldown", rule=key, state=state, **args)
            clinician_links[key, state] = url_for("lead.drilldown", rule=key, state=state, **others)
    return render_template(
        "lead/dashboard.html", form=form, invalid=False, scope=scope, rules=RULES,
        links=links, clinician_links=clinician_links,
        summary=summary, weeks=weeks, trend=trend, clinicians=clinicians, names=names,
        args=args, sparks=sparks, band=band, band_words=BAND_WORDS,
        thresholds=thresholds_text, states=DRILLDOWN_LABELS)


@bp.route("/continuity/<rule>/<state>")
@allow(LEAD)
def drilldown(rule, state):
    rule_def = _rule_and_state(rule, state)
    form, names = _period_form()
    if not form.validate():
        return render_template("lead/drilldown.html", form=form, invalid=True, rule=rule_def,
                               state=state, states=DRILLDOWN_LABELS), 400
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = queries.drilldown_page(rule_def, state, _scope(form), page, per_page)
    record_event("list", f"continuity:{rule}"[:40], None)  # a list of patients' records
    db.session.commit()
    return render_template(
        "lead/drilldown.html", form=form, invalid=False, rule=rule_def, state=state,
        states=DRILLDOWN_LABELS, rows=rows, total=total, page=page,
        pages=max(1, -(-total // per_page)), args=form.filter_args(), names=names,
        flag_sources=FLAG_SOURCES)


CSV_HEADER = ["Record number", "Patient", "Item", "Item id", "Clinician", "When",
              "Deadline", "Done", "State", "Detail"]


@bp.route("/continuity/<rule>/<state>/export")
@allow(LEAD)
def drilldown_csv(rule, state):
    rule_def = _rule_and_state(rule, state)
    form, _ = _period_form()
    if not form.validate():
        return render_template("lead/drilldown.html", form=form, invalid=True, rule=rule_def,
                               state=state, states=DRILLDOWN_LABELS), 400
    stmt = queries.drilldown(rule_def, state, _scope(form))
    first, last = form.period
    return stream_csv(f"continuity-{rule}-{state}-{first}-{last}.csv", CSV_HEADER,
                      _csv_rows(rule_def, stmt), record_type=f"continuity:{rule}")


def _csv_rows(rule_def, stmt):
    """Rows of the export, read from a server-side cursor in batches."""
    label, zone = STATE_LABELS, clinic_zone()

    def when(value) -> str:
        if value is None:
            return ""
        if hasattr(value, "hour"):
            return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return value.isoformat()

    for row in db.session.execute(stmt.execution_options(yield_per=500)):
        yield (row.record_number, f"{row.given_name} {row.family_name}", rule_def.item,
               row.item_id, row.clinician_name, when(row.anchor), when(row.due_at),
               when(row.done_at), label[row.state], _detail(rule_def, row.detail))


def _detail(rule_def, detail):
    if rule_def.key == "flags_acknowledged":
        return FLAG_SOURCES.get(detail, detail)
    return detail

