"""MAIL_URL parsing, against a table written out by hand and a round trip (hypothesis)."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.notify.mailurl import MailServer, MailURLError, parse_mail_url

TABLE = [
    ("smtp://relay.clinic.lan", MailServer("relay.clinic.lan", 25, "none")),
    ("smtp://10.0.0.5:2525", MailServer("10.0.0.5", 2525, "none")),
    ("smtp+starttls://ann:s3cret@mail.example.org:587",
     MailServer("mail.example.org", 587, "starttls", "ann", "s3cret")),
    ("smtp+starttls://ann%40clinic.org:p%3Ass%2Fw%40rd@mail.example.org",
     MailServer("mail.example.org", 587, "starttls", "ann@clinic.org", "p:ss/w@rd")),
    ("smtps://bot:pw@smtp.example.com", MailServer("smtp.example.com", 465, "tls", "bot", "pw")),
    ("SMTPS://smtp.example.com:1465/", MailServer("smtp.example.com", 1465, "tls")),
    ("smtp://user@relay:26", MailServer("relay", 26, "none", "user", None)),
]


@pytest.mark.parametrize(("url", "expected"), TABLE)
def test_the_table(url, expected):
    assert parse_mail_url(url) == expected


@pytest.mark.parametrize(("url", "words"), [
    ("http://mail.example.org", "must start with"),
    ("mail.example.org:25", "must start with"),
    ("smtp://", "no host"),
    ("smtp://mail.example.org:99999", "not a valid URL"),
    ("smtp://mail.example.org:port", "not a valid URL"),
    ("smtp://mail.example.org/inbox", "no path"),
    ("smtp://:secret@mail.example.org", "no user name"),
])
def test_bad_urls_are_refused_plainly(url, words):
    with pytest.raises(MailURLError, match=words) as caught:
        parse_mail_url(url)
    assert "secret" not in str(caught.value)


def test_the_password_is_never_shown():
    server = parse_mail_url("smtps://bot:hunter2@smtp.example.com")
    assert "hunter2" not in repr(server) and "hunter2" not in server.describe()


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}", fullmatch=True)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@given(scheme=st.sampled_from(["smtp", "smtp+starttls", "smtps"]), host=hosts,
       port=st.none() | st.integers(1, 65535), user=st.none() | text, password=st.none() | text)
def test_a_url_built_from_its_parts_parses_back_to_them(scheme, host, port, user, password):
    defaults = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
    auth = ""
    if user is not None:
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "") + "@"
    url = f"{scheme}://{auth}{host}{f':{port}' if port else ''}"
    security, default_port = defaults[scheme]
    assert parse_mail_url(url) == MailServer(host, port or default_port, security, user,
                                             password if user is not None else None)
