"""The discharge gates: what the record must show before a patient may leave. Pure functions.

Computed from the record, never typed (the clinician types only the time, the escort's name,
the patient's acknowledgement of not driving and, where the last vitals are at a flag level, a
reason to discharge all the same):

1. the session has ended (and the discharge is not before its end);
2. the observation since dosing (the session's start) is at least the minimum: 120 minutes after
   esketamine (Spravato REMS), the clinic's setting after ketamine;
3. no alert-level vital sign or severe adverse event of the session is left unacknowledged;
4. the last vitals before the discharge are within the flag thresholds, or a clinician
   overrides with a reason (kept with who gave it, audited and shown);
5. sedation is back to baseline: the last MOAA/S rating before the discharge is 5;
6. an escort is named.

The session page shows the gates before the clinician tries; a refused discharge names exactly
the gates not met.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tracker.core.sessions import Medication
from tracker.dosing.vitals import classify_vitals

ESKETAMINE_MIN_OBSERVATION = 120    # minutes: the Spravato REMS monitoring period
BASELINE_MOAAS = 5


class GateKey(StrEnum):
    ENDED = "ended"
    OBSERVATION = "observation"
    SAFETY_FLAGS = "safety_flags"
    LAST_VITALS = "last_vitals"
    SEDATION = "sedation"
    ESCORT = "escort"


GATE_LABELS = {
    GateKey.ENDED: "The session has ended",
    GateKey.OBSERVATION: "Observed for the minimum time since dosing",
    GateKey.SAFETY_FLAGS: "Alert-level vitals and severe adverse events acknowledged",
    GateKey.LAST_VITALS: "Last vitals within the flag thresholds",
    GateKey.SEDATION: "Sedation back to baseline (MOAA/S 5)",
    GateKey.ESCORT: "An escort is named",
}


@dataclass(frozen=True)
class Gate:
    """One gate: met or not, and in words what meets it or exactly what is missing."""
    key: GateKey
    met: bool
    detail: str
    overridden: bool = False

    @property
    def label(self) -> str:
        return GATE_LABELS[self.key]


def observation_minutes(started_at: datetime | None, until: datetime | None) -> int | None:
    """Whole minutes from the start of dosing to `until` (None if either is unknown)."""
    if started_at is None or until is None:
        return None
    return max(0, int((until - started_at) / timedelta(minutes=1)))


def minimum_observation(medication: str | None, thresholds: Mapping[str, int]) -> int:
    """The minimum observation in minutes: 120 after esketamine, the clinic's after ketamine."""
    if medication == Medication.ESKETAMINE:
        return ESKETAMINE_MIN_OBSERVATION
    return thresholds["ketamine_min_observation_minutes"]


def _latest(rows, attribute: str, at: datetime):
    before = [row for row in rows if getattr(row, attribute) <= at]
    return max(before, key=lambda row: (getattr(row, attribute), row.id or 0), default=None)


def discharge_gates(session, *, at: datetime, thresholds: Mapping[str, int],
                    open_flags: Iterable, escort_name: str | None,
                    override_reason: str | None = None, fmt=lambda t: t.strftime("%H:%M"),
                    ) -> list[Gate]:
    """The six gates for discharging `session` at `at`, in the order above.

    `session` has its vitals and sedation ratings loaded; `open_flags` are its unacknowledged
    safety flags from alert-level vitals and severe adverse events; `fmt` shows a time."""
    gates: list[Gate] = []
    if session.ended_at is None:
        gates.append(Gate(GateKey.ENDED, False, "The session has not ended: record its end first."))
    elif at < session.ended_at:
        gates.append(Gate(GateKey.ENDED, False, f"The discharge time ({fmt(at)}) is before the "
                                                f"session's end ({fmt(session.ended_at)})."))
    else:
        gates.append(Gate(GateKey.ENDED, True, f"Ended at {fmt(session.ended_at)}."))

    minimum = minimum_observation(session.medication, thresholds)
    observed = observation_minutes(session.started_at, at)
    why = " (esketamine: REMS)" if session.medication == Medication.ESKETAMINE else ""
    if observed is None or observed < minimum:
        gates.append(Gate(GateKey.OBSERVATION, False,
                          f"Observed {observed or 0} minutes since dosing; at least {minimum}"
                          f"{why} are needed, so not before "
                          f"{fmt(session.started_at + timedelta(minutes=minimum))}."
                          if session.started_at else "Dosing has not started."))
    else:
        gates.append(Gate(GateKey.OBSERVATION, True,
                          f"Observed {observed} minutes since dosing (at least {minimum}{why})."))

    flags = list(open_flags)
    if flags:
        gates.append(Gate(GateKey.SAFETY_FLAGS, False,
                          f"{len(flags)} safety flag{'s' if len(flags) != 1 else ''} of this "
                          "session not acknowledged (acknowledge on the patient's chart): "
                          + " ".join(flag.summary for flag in flags)))
    else:
        gates.append(Gate(GateKey.SAFETY_FLAGS, True, "No unacknowledged safety flag."))

    last = _latest(session.vitals, "measured_at", at)
    if last is None:
        gates.append(Gate(GateKey.LAST_VITALS, False, "No vital signs are recorded: take a "
                                                      "reading before discharge."))
    else:
        findings = classify_vitals(last, thresholds)
        if not findings:
            gates.append(Gate(GateKey.LAST_VITALS, True,
                              f"The last reading ({fmt(last.measured_at)}) is within the flag "
                              "thresholds."))
        else:
            what = " ".join(message for _, _, message in findings)
            if override_reason:
                gates.append(Gate(GateKey.LAST_VITALS, True,
                                  f"Overridden with a reason: the last reading "
                                  f"({fmt(last.measured_at)}) is out of range. {what}",
                                  overridden=True))
            else:
                gates.append(Gate(GateKey.LAST_VITALS, False,
                                  f"The last reading ({fmt(last.measured_at)}) is out of range: "
                                  f"{what} Take another reading, or give a reason to discharge "
                                  "all the same."))

    rating = _latest(session.sedation_ratings, "rated_at", at)
    if rating is None:
        gates.append(Gate(GateKey.SEDATION, False,
                          "No sedation rating is recorded: rate MOAA/S before discharge."))
    elif rating.moaas != BASELINE_MOAAS:
        gates.append(Gate(GateKey.SEDATION, False,
                          f"The last MOAA/S ({fmt(rating.rated_at)}) is {rating.moaas}, not "
                          f"{BASELINE_MOAAS}: rate again once the patient is at baseline."))
    else:
        gates.append(Gate(GateKey.SEDATION, True,
                          f"MOAA/S {BASELINE_MOAAS} at {fmt(rating.rated_at)}."))

    if escort_name and escort_name.strip():
        gates.append(Gate(GateKey.ESCORT, True, f"Escort: {escort_name.strip()}."))
    else:
        gates.append(Gate(GateKey.ESCORT, False, "No escort is named: give the escort's name."))
    return gates


def unmet(gates: Iterable[Gate]) -> list[Gate]:
    return [gate for gate in gates if not gate.met]
