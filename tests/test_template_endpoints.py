"""Every endpoint a template names exists: a mistyped url_for fails here, not as a missing link."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
URL_FOR = re.compile(r"""url_for\(\s*(['"])([^'"]+)\1""")


def template_endpoints(root: Path = TEMPLATES) -> dict[str, set[str]]:
    """endpoint -> the templates naming it in url_for('...')."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.html")):
        for match in URL_FOR.finditer(path.read_text()):
            found.setdefault(match.group(2), set()).add(str(path.relative_to(root)))
    return found


def test_every_url_for_in_templates_names_a_real_endpoint(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    used = template_endpoints()
    assert len(used) > 20  # the scan finds the templates' links
    missing = {name: sorted(where) for name, where in used.items() if name not in endpoints}
    assert missing == {}


def test_the_scan_catches_a_typo(tmp_path):
    (tmp_path / "page.html").write_text("""<a href="{{ url_for('patients.chrat', patient_id=1) }}">""")
    assert template_endpoints(tmp_path) == {"patients.chrat": {"page.html"}}
