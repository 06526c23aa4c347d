"""Scoring for PHQ-9, GAD-7 and PCL-5 questionnaires.

Pure Python (no Flask, no database) so services, templates and the seed script
can all use it. Item wording follows the public versions of each instrument.
"""
import operator
from collections.abc import Mapping
from dataclasses import dataclass

#: PCL-5 cut-point for "probable PTSD". Published cut-points range from 31 to 33;
#: we use 33, the conservative default (fewer false positives).
PCL5_CUTOFF = 33
#: A PCL-5 change of this many points or more is clinically meaningful.
PCL5_MEANINGFUL_CHANGE = 10
#: PHQ-9 item 9 (thoughts of self-harm) above 0 raises the safety flag (0-based index).
PHQ9_SAFETY_ITEM = 8


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    items: tuple[str, ...]
    stem: str
    choices: tuple[tuple[int, str], ...]
    max_item: int
    max_total: int
    loinc: str | None


_TWO_WEEKS = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
_FREQUENCY = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))
_INTENSITY = ((0, "Not at all"), (1, "A little bit"), (2, "Moderately"), (3, "Quite a bit"), (4, "Extremely"))
_SE = "the stressful experience"


def _make(code, name, items, stem, choices, loinc):
    max_item = choices[-1][0]
    return Instrument(code, name, tuple(items), stem, choices, max_item, max_item * len(items), loinc)


INSTRUMENTS: dict[str, Instrument] = {
    "phq9": _make("phq9", "PHQ-9", (
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy", "Poor appetite or overeating",
        "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ), _TWO_WEEKS, _FREQUENCY, "44261-6"),
    "gad7": _make("gad7", "GAD-7", (
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things", "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ), _TWO_WEEKS, _FREQUENCY, "70274-6"),
    "pcl5": _make("pcl5", "PCL-5", (
        f"Repeated, disturbing, and unwanted memories of {_SE}?", f"Repeated, disturbing dreams of {_SE}?",
        f"Suddenly feeling or acting as if {_SE} were actually happening again "
        "(as if you were actually back there reliving it)?",
        f"Feeling very upset when something reminded you of {_SE}?",
        f"Having strong physical reactions when something reminded you of {_SE} "
        "(for example, heart pounding, trouble breathing, sweating)?",
        f"Avoiding memories, thoughts, or feelings related to {_SE}?",
        f"Avoiding external reminders of {_SE} (for example, people, places, conversations, activities, "
        "objects, or situations)?",
        f"Trouble remembering important parts of {_SE}?",
        "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts "
        "such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is "
        "completely dangerous)?",
        f"Blaming yourself or someone else for {_SE} or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?", "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving "
        "feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        "Being \u201csuperalert\u201d or watchful or on guard?", "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?", "Trouble falling or staying asleep?",
    ), "In the past month, how much were you bothered by:", _INTENSITY, None),
}

# (highest total in band, band), lowest band first; list index is the severity.
_BANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "phq9": ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"), (27, "severe")),
    "gad7": ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")),
    "pcl5": ((PCL5_CUTOFF - 1, "below PTSD cut-point"), (80, "probable PTSD")),
}
_TOPIC = {"phq9": "depression", "gad7": "anxiety"}


class InvalidAnswers(ValueError):
    """Answers (or an instrument code) that cannot be scored; the message is plain words."""


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int
    band: str
    safety_flag: bool
    answers: tuple[int, ...]


@dataclass(frozen=True)
class Change:
    baseline: int
    latest: int
    delta: int
    percent: float | None
    response: bool
    remission: bool
    meaningful: bool
    words: str


def _instrument(code) -> Instrument:
    inst = INSTRUMENTS.get(str(code).strip().lower())
    if inst is None:
        raise InvalidAnswers(f"Unknown questionnaire {code!r}.")
    return inst


def _answer(number: int, value, max_item: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidAnswers(f"Question {number} needs an answer.")
    shown = repr(value) if len(repr(value)) <= 20 else repr(value)[:17] + "..."
    bad = InvalidAnswers(f"Question {number}: {shown} is not a valid answer (0-{max_item}).")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise bad
        number_value = int(text)
    else:
        try:
            number_value = operator.index(value)
        except TypeError:
            raise bad from None
    if not 0 <= number_value <= max_item:
        raise InvalidAnswers(f"Question {number}: {number_value} is not a valid answer (0-{max_item}).")
    return number_value


def score(instrument: str, answers) -> Score:
    """Score one completed questionnaire.

    ``answers`` holds one value per item, in item order: ints, or strings of
    digits as they arrive from a form. Raises InvalidAnswers, with a message a
    person can act on, for an unknown instrument, the wrong number of answers, a
    missing answer (None or ""), a non-integer, a bool or an out-of-range value.
    """
    inst = _instrument(instrument)
    if isinstance(answers, (str, bytes, Mapping)) or not hasattr(answers, "__iter__"):
        raise InvalidAnswers(f"{inst.name} answers must be a list of {len(inst.items)} numbers.")
    raw = list(answers)
    if len(raw) != len(inst.items):
        raise InvalidAnswers(f"{inst.name} needs {len(inst.items)} answers, got {len(raw)}.")
    values = tuple(_answer(i, v, inst.max_item) for i, v in enumerate(raw, start=1))
    total = sum(values)
    flag = inst.code == "phq9" and values[PHQ9_SAFETY_ITEM] > 0
    return Score(inst.code, total, band_for(inst.code, total), flag, values)


def _total(inst: Instrument, total, what: str = "Total") -> int:
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= inst.max_total:
        raise ValueError(f"{what} {total!r} is outside the {inst.name} range 0-{inst.max_total}.")
    return total


def band_for(instrument: str, total: int) -> str:
    """Severity band for a total score (PCL-5: cut-point band, see PCL5_CUTOFF)."""
    inst = _instrument(instrument)
    total = _total(inst, total)
    return next(band for top, band in _BANDS[inst.code] if total <= top)


def band_severity(instrument: str, band: str) -> int:
    """Rank of a band within its instrument, 0 for the lowest; for colouring."""
    names = [name for _, name in _BANDS[_instrument(instrument).code]]
    if band not in names:
        raise ValueError(f"Unknown band {band!r} for {instrument}.")
    return names.index(band)


def change_from_baseline(instrument: str, baseline: int, latest: int) -> Change:
    """Compare a latest total with the baseline total.

    ``delta`` is latest minus baseline; ``percent`` is that change as a signed
    percentage of baseline (None when baseline is 0). PHQ-9/GAD-7: response is a
    fall of 50% or more from a baseline above 0, remission is latest under 5.
    PCL-5: response and remission are always False; meaningful is |delta| >= 10.
    For PHQ-9/GAD-7 meaningful equals response.
    """
    inst = _instrument(instrument)
    baseline = _total(inst, baseline, "Baseline")
    latest = _total(inst, latest, "Latest score")
    delta = latest - baseline
    percent = round(100 * delta / baseline, 1) if baseline else None
    if inst.code == "pcl5":
        response = remission = False
        meaningful = abs(delta) >= PCL5_MEANINGFUL_CHANGE
        tags = ["clinically meaningful change"] if meaningful else []
    else:
        response = baseline > 0 and 2 * (baseline - latest) >= baseline
        remission = latest < 5
        meaningful = response
        tags = [t for t, on in (("response", response), ("remission", remission)) if on]
    points = f"{abs(delta)} point{'' if abs(delta) == 1 else 's'}"
    if delta < 0:
        shown = (-200 * delta + baseline) // (2 * baseline)  # percent fall, rounded half up
        words = f"Down {points} ({shown}%) from baseline {baseline}"
    elif delta > 0:
        words = f"Up {points} from baseline {baseline}"
    else:
        words = "No change from baseline"
    words += (": " + "; ".join(tags) + ".") if tags else "."
    return Change(baseline, latest, delta, percent, response, remission, meaningful, words)


def plain_language_band(instrument: str, band: str) -> str:
    """A short, non-diagnostic sentence about a band, for patients to read."""
    inst = _instrument(instrument)
    band_severity(inst.code, band)  # validates the band
    if inst.code == "pcl5":
        if band == "probable PTSD":
            return ("Your answers suggest a level of post-traumatic stress symptoms "
                    "that is worth talking through with your care team.")
        return "Your answers suggest post-traumatic stress symptoms below the level that usually points to PTSD."
    wording = "minimal or no" if band == "minimal" else band
    return f"Your answers suggest {wording} symptoms of {_TOPIC[inst.code]}."
