"""The bare Flask page the throughput benchmark compares the app's pages with.

One route returning about 2 KB of fixed HTML, no database, no session, no template engine:
the most any Flask page can serve under the same gunicorn settings on the same machine.
`gunicorn --pythonpath scripts bare_flask:app` (scripts/throughput.py starts it).
"""
from flask import Flask

app = Flask(__name__)

ROWS = "\n".join(f"<li>Row {n}: the same words on every request, for the size</li>"
                 for n in range(30))
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare Flask</title></head>
<body><main><h1>Bare Flask</h1><ul>
{ROWS}
</ul></main></body></html>
"""


@app.get("/")
def page():
    return PAGE
