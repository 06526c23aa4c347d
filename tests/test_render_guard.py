"""The render-after-commit guard (tests/render_guard.py) fires, and only when it should."""
import pytest
from flask import render_template

from tracker.core.access import public
from tracker.core.clinic import Clinic
from tracker.extensions import db


def _probe(probe_app, before_render):
    """Serve one page on the probe app: add a clinic row, `before_render`, render a template."""
    @public
    def probe():
        db.session.add(Clinic(name="Probe Clinic", timezone="UTC"))
        before_render()
        return render_template("errors/error.html", code=200, title="Probe", message="probe")
    probe_app.add_url_rule("/__render_probe", "render_probe", probe)
    db.session.commit()  # the probe app has its own engine: release the test's write lock
    response = probe_app.test_client().get("/__render_probe")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("before_render", "found"), [
    (lambda: db.session.flush(), "rows flushed but not committed"),
    (lambda: None, "new objects pending (Clinic)"),
], ids=["flushed", "added"])
def test_rendering_over_uncommitted_work_fails_the_test(probe_app, render_guard, before_render,
                                                         found):
    _probe(probe_app, before_render)
    with pytest.raises(AssertionError) as failure:
        render_guard.check()  # what the plugin runs after every test; it consumes the finding
    message = str(failure.value)
    assert "render after commit" in message
    assert ("template 'errors/error.html' rendered by endpoint 'render_probe' "
            "(GET /__render_probe) with " + found) in message


def test_a_flushed_change_to_an_existing_row_is_caught(probe_app, render_guard):
    def rename():
        db.session.flush()
        db.session.commit()  # the new row is committed; the rename below is not
        clinic = db.session.scalar(db.select(Clinic).filter_by(name="Probe Clinic"))
        clinic.name = "Renamed"
        db.session.flush()
    _probe(probe_app, rename)
    with pytest.raises(AssertionError, match="rows flushed but not committed"):
        render_guard.check()


@pytest.mark.parametrize("end", [db.session.commit, db.session.rollback],
                         ids=["committed", "rolled back"])
def test_rendering_after_the_transaction_ends_passes(probe_app, render_guard, end):
    def flush_then_end():
        db.session.flush()
        end()
    _probe(probe_app, flush_then_end)
    render_guard.check()  # nothing found: does not raise


def test_a_savepoint_released_inside_the_transaction_still_counts(probe_app, render_guard):
    def in_savepoint():
        with db.session.begin_nested():
            db.session.flush()
    _probe(probe_app, in_savepoint)
    with pytest.raises(AssertionError, match="rows flushed but not committed"):
        render_guard.check()
