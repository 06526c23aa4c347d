"""Tests for tracker.care.scoring (pure Python; no app, database or conftest fixtures)."""
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.care import scoring
from tracker.care.scoring import (
    INSTRUMENTS,
    Change,
    InvalidAnswers,
    Score,
    band_for,
    band_severity,
    change_from_baseline,
    plain_language_band,
    score,
)

# Published cut-offs, written out independently of the module: (low, high, band).
CUTOFFS = {
    "phq9": [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
             (15, 19, "moderately severe"), (20, 27, "severe")],
    "gad7": [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")],
    "pcl5": [(0, 32, "below PTSD cut-point"), (33, 80, "probable PTSD")],
}
SHAPE = {"phq9": (9, 3), "gad7": (7, 3), "pcl5": (20, 4)}  # (items, max per item)
CODES = sorted(SHAPE)


def expected_band(code, total):
    matches = [band for low, high, band in CUTOFFS[code] if low <= total <= high]
    assert len(matches) == 1
    return matches[0]


@st.composite
def valid_answers(draw, code=None):
    code = code or draw(st.sampled_from(CODES))
    n, top = SHAPE[code]
    values = draw(st.lists(st.integers(0, top), min_size=n, max_size=n))
    return code, values


# --- instrument definitions -------------------------------------------------

@pytest.mark.parametrize("code", CODES)
def test_instrument_shape(code):
    inst = INSTRUMENTS[code]
    n, top = SHAPE[code]
    assert inst.code == code
    assert len(inst.items) == n and all(text.strip() for text in inst.items)
    assert inst.max_item == top and inst.max_total == n * top
    assert [value for value, _ in inst.choices] == list(range(top + 1))
    assert inst.stem


def test_instrument_metadata():
    assert set(INSTRUMENTS) == {"phq9", "gad7", "pcl5"}
    assert [INSTRUMENTS[c].name for c in ("phq9", "gad7", "pcl5")] == ["PHQ-9", "GAD-7", "PCL-5"]
    assert (INSTRUMENTS["phq9"].loinc, INSTRUMENTS["gad7"].loinc, INSTRUMENTS["pcl5"].loinc) == \
        ("44261-6", "70274-6", None)
    two_weeks = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    assert INSTRUMENTS["phq9"].stem == INSTRUMENTS["gad7"].stem == two_weeks
    assert INSTRUMENTS["pcl5"].stem == "In the past month, how much were you bothered by:"
    assert [label for _, label in INSTRUMENTS["gad7"].choices] == \
        ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    assert [label for _, label in INSTRUMENTS["pcl5"].choices] == \
        ["Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"]
    assert "hurting yourself" in INSTRUMENTS["phq9"].items[8]
    assert scoring.PCL5_CUTOFF == 33


# --- scoring ------------------------------------------------------------------

@given(valid_answers())
def test_valid_answers_score_in_range_with_published_band(case):
    code, values = case
    result = score(code, values)
    assert isinstance(result, Score)
    assert result.instrument == code
    assert result.answers == tuple(values)
    assert result.total == sum(values)
    assert 0 <= result.total <= INSTRUMENTS[code].max_total
    assert result.band == expected_band(code, result.total) == band_for(code, result.total)


@given(valid_answers())
def test_safety_flag_iff_phq9_item9_positive(case):
    code, values = case
    assert score(code, values).safety_flag == (code == "phq9" and values[8] > 0)


@given(valid_answers(), st.data())
def test_string_digits_accepted(case, data):
    code, values = case
    as_form = [data.draw(st.sampled_from([str(v), f" {v} ", v])) for v in values]
    assert score(code, as_form) == score(code, values)


def test_accepts_tuple_and_generator():
    assert score("gad7", (1,) * 7).total == 7
    assert score("gad7", (x for x in [2] * 7)).band == "moderate"


@given(st.sampled_from(CODES), st.integers(0, 30))
def test_wrong_length_rejected(code, length):
    n, _ = SHAPE[code]
    if length == n:
        length += 1
    with pytest.raises(InvalidAnswers, match=f"needs {n} answers, got {length}"):
        score(code, [0] * length)


def _replace_one(draw, bad):
    code, values = draw(valid_answers())
    index = draw(st.integers(0, len(values) - 1))
    values[index] = bad
    return code, values, index + 1


@given(st.data())
def test_out_of_range_rejected(data):
    code, values, number = _replace_one(data.draw, None)
    top = SHAPE[code][1]
    bad = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=top + 1)))
    values[number - 1] = data.draw(st.sampled_from([bad, str(bad)])) if bad >= 0 else bad
    with pytest.raises(InvalidAnswers, match=f"Question {number}: .* is not a valid answer \\(0-{top}\\)"):
        score(code, values)


@given(st.data(), st.sampled_from([None, "", "   "]))
def test_missing_rejected(data, missing):
    code, values, number = _replace_one(data.draw, missing)
    with pytest.raises(InvalidAnswers, match=f"^Question {number} needs an answer\\.$"):
        score(code, values)


NON_DIGIT_TEXT = st.text(min_size=1).filter(lambda s: s.strip() and not (s.strip().isascii() and s.strip().isdigit()))


@given(st.data(), st.one_of(NON_DIGIT_TEXT, st.booleans(), st.floats(), st.just([1]), st.just(b"1")))
def test_non_integers_and_bools_rejected(data, bad):
    code, values, number = _replace_one(data.draw, bad)
    with pytest.raises(InvalidAnswers, match=f"^Question {number}: .* is not a valid answer"):
        score(code, values)


@pytest.mark.parametrize("bad", ["1.5", "-1", "two", "٣", "²", True, False, 2.0])
def test_specific_bad_values(bad):
    with pytest.raises(InvalidAnswers) as err:
        score("phq9", [bad] + [0] * 8)
    assert str(err.value).startswith("Question 1: ")


@pytest.mark.parametrize("answers", ["000000000", {"a": 1}, 5, None])
def test_non_sequence_rejected(answers):
    with pytest.raises(InvalidAnswers, match=r"."):
        score("phq9", answers)


@pytest.mark.parametrize("code", ["", "phq-2", "bdi", None])
def test_unknown_instrument_rejected(code):
    with pytest.raises(InvalidAnswers, match="Unknown questionnaire"):
        score(code, [0] * 9)


def test_message_examples():
    with pytest.raises(InvalidAnswers, match=r"^Question 3 needs an answer\.$"):
        score("phq9", [0, 0, None, 0, 0, 0, 0, 0, 0])
    with pytest.raises(InvalidAnswers, match=r"^Question 2: 5 is not a valid answer \(0-3\)\.$"):
        score("gad7", ["1", "5", "0", "0", "0", "0", "0"])


# --- bands ----------------------------------------------------------------------

@pytest.mark.parametrize("code,total,band", [
    ("phq9", 0, "minimal"), ("phq9", 4, "minimal"), ("phq9", 5, "mild"), ("phq9", 9, "mild"),
    ("phq9", 10, "moderate"), ("phq9", 14, "moderate"), ("phq9", 15, "moderately severe"),
    ("phq9", 19, "moderately severe"), ("phq9", 20, "severe"), ("phq9", 27, "severe"),
    ("gad7", 4, "minimal"), ("gad7", 5, "mild"), ("gad7", 9, "mild"), ("gad7", 10, "moderate"),
    ("gad7", 14, "moderate"), ("gad7", 15, "severe"), ("gad7", 21, "severe"),
    ("pcl5", 0, "below PTSD cut-point"), ("pcl5", 32, "below PTSD cut-point"),
    ("pcl5", 33, "probable PTSD"), ("pcl5", 80, "probable PTSD"),
])
def test_band_boundaries(code, total, band):
    assert band_for(code, total) == band


@pytest.mark.parametrize("code,total", [("phq9", -1), ("phq9", 28), ("gad7", 22), ("pcl5", 81), ("pcl5", True)])
def test_band_for_rejects_impossible_totals(code, total):
    with pytest.raises(ValueError):
        band_for(code, total)


@given(st.sampled_from(CODES), st.data())
def test_band_severity_rises_with_total(code, data):
    top = INSTRUMENTS[code].max_total
    low = data.draw(st.integers(0, top))
    high = data.draw(st.integers(low, top))
    assert band_severity(code, band_for(code, low)) <= band_severity(code, band_for(code, high))


@pytest.mark.parametrize("code", CODES)
def test_band_severity_ranks_and_plain_language(code):
    bands = [band for _, _, band in CUTOFFS[code]]
    assert [band_severity(code, b) for b in bands] == list(range(len(bands)))
    sentences = [plain_language_band(code, b) for b in bands]
    assert all(s.startswith("Your answers") and s.endswith(".") for s in sentences)
    assert len(set(sentences)) == len(bands)
    with pytest.raises(ValueError):
        band_severity(code, "catastrophic")
    with pytest.raises(ValueError):
        plain_language_band(code, "catastrophic")


def test_plain_language_examples():
    assert plain_language_band("phq9", "mild") == "Your answers suggest mild symptoms of depression."
    assert plain_language_band("gad7", "severe") == "Your answers suggest severe symptoms of anxiety."


# --- change from baseline -------------------------------------------------------

@st.composite
def pair(draw, code=None):
    code = code or draw(st.sampled_from(CODES))
    top = INSTRUMENTS[code].max_total
    return code, draw(st.integers(0, top)), draw(st.integers(0, top))


@given(pair())
def test_change_properties(case):
    code, baseline, latest = case
    change = change_from_baseline(code, baseline, latest)
    assert isinstance(change, Change)
    assert (change.baseline, change.latest, change.delta) == (baseline, latest, latest - baseline)
    if baseline == 0:
        assert change.percent is None
    else:
        assert change.percent == pytest.approx(100 * (latest - baseline) / baseline, abs=0.0501)
    if code == "pcl5":
        assert change.response is False and change.remission is False
        assert change.meaningful == (abs(latest - baseline) >= 10)
        assert ("clinically meaningful change" in change.words) == change.meaningful
    else:
        fell_half = baseline > 0 and Fraction(baseline - latest, baseline) >= Fraction(1, 2)
        assert change.response == fell_half
        assert change.remission == (latest < 5)
        assert ("response" in change.words) == change.response
        assert ("remission" in change.words) == change.remission
    prefix = "Down" if latest < baseline else "Up" if latest > baseline else "No change"
    assert change.words.startswith(prefix) and change.words.endswith(".")


@pytest.mark.parametrize("code,baseline,latest,words", [
    ("phq9", 21, 4, "Down 17 points (81%) from baseline 21: response; remission."),
    ("phq9", 21, 9, "Down 12 points (57%) from baseline 21: response."),
    ("phq9", 10, 10, "No change from baseline."),
    ("phq9", 10, 14, "Up 4 points from baseline 10."),
    ("phq9", 10, 5, "Down 5 points (50%) from baseline 10: response."),
    ("phq9", 10, 6, "Down 4 points (40%) from baseline 10."),
    ("gad7", 12, 11, "Down 1 point (8%) from baseline 12."),
    ("pcl5", 45, 35, "Down 10 points (22%) from baseline 45: clinically meaningful change."),
    ("pcl5", 45, 36, "Down 9 points (20%) from baseline 45."),
    ("pcl5", 20, 32, "Up 12 points from baseline 20: clinically meaningful change."),
])
def test_change_examples(code, baseline, latest, words):
    assert change_from_baseline(code, baseline, latest).words == words


def test_change_exact_fields():
    change = change_from_baseline("phq9", 21, 9)
    assert change == Change(21, 9, -12, -57.1, True, False, True, change.words)
    zero = change_from_baseline("phq9", 0, 3)
    assert (zero.percent, zero.response, zero.remission) == (None, False, True)


@pytest.mark.parametrize("baseline,latest", [(-1, 0), (0, 28), (True, 3), ("10", 5)])
def test_change_rejects_impossible_totals(baseline, latest):
    with pytest.raises(ValueError):
        change_from_baseline("phq9", baseline, latest)


def test_percent_in_words_rounds_half_up_and_long_values_are_shortened():
    assert change_from_baseline("pcl5", 8, 7).words == "Down 1 point (13%) from baseline 8."
    with pytest.raises(InvalidAnswers) as err:
        score("gad7", ["x" * 500] + [0] * 6)
    assert len(str(err.value)) < 80
