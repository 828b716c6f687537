"""Schemathesis hooks for `make fuzz-api` (loaded by Tests/Fuzz/run.sh through SCHEMATHESIS_HOOKS).

A create's `expires_at` must lie in the future and at most 10 years ahead, and must not come with
`ttl_seconds`: rules about the clock and about two members together that the OpenAPI schema cannot
state. Without this hook nearly every generated `expires_at` (any date-time) is in the past, and the
schema-valid request is rightly refused with a 400.

The hook moves the date of a well-formed `expires_at` to a year from today and keeps its time of
day, fraction and offset as drawn, so the server's parser still meets whatever RFC 3339 forms the
generator makes. When `ttl_seconds` is set too, `expires_at` is dropped instead. Values that are
not date-times are left alone: those are the negative cases.

A `ttl_seconds` under a minute gets a minute more: the stateful phase reads a created notification
again through the spec's links and requires it to be there, and a one-second lifetime can end
before a loaded machine gets to it (expiry has its own tests).

The demo page's create (`POST /demo/notifications`) takes only the demo user's token, for that user
alone: run.sh passes the user in `HERALD_FUZZ_DEMO_USER`, and a generated string `user` becomes it,
so that the operation's cases reach its 201 rather than all ending in 403. A `user` that is not a
string is left alone, a negative case. With one user, the generator's ids repeat across cases
with other content (409 `id_conflict` for most of them), so a valid `id` there gets a suffix of
its own: `.1`, `.2`, … (cut to fit 128 characters).
"""

import datetime
import itertools
import os
import re

import schemathesis


_IDENTIFIER = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
_demo_ids = itertools.count(1)


def _fixed(item):
    if not isinstance(item, dict):
        return item
    ttl = item.get("ttl_seconds")
    if type(ttl) is int and 1 <= ttl < 60:
        item = {**item, "ttl_seconds": ttl + 60}
    expires_at = item.get("expires_at")
    if not isinstance(expires_at, str):
        return item
    try:
        datetime.datetime.fromisoformat(expires_at.replace("z", "Z"))
    except ValueError:
        return item
    item = dict(item)
    if item.get("ttl_seconds") is not None:
        del item["expires_at"]
    else:
        next_year = datetime.date.today() + datetime.timedelta(days=365)
        item["expires_at"] = next_year.isoformat() + expires_at[10:]
    return item


@schemathesis.hook
def map_case(context, case):
    """Every phase's cases pass through here (the coverage phase applies no `map_body`). The body
    is assigned only when it changes: assigning it marks the case as edited."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("notifications"), list):
        fixed = {**body, "notifications": [_fixed(item) for item in body["notifications"]]}
    else:
        fixed = _fixed(body)
    demo_user = os.environ.get("HERALD_FUZZ_DEMO_USER")
    if case.operation.path == "/demo/notifications" and demo_user and isinstance(fixed, dict):
        if isinstance(fixed.get("user"), str) and fixed["user"] != demo_user:
            fixed = {**fixed, "user": demo_user}
        if isinstance(fixed.get("id"), str) and _IDENTIFIER.fullmatch(fixed["id"]):
            suffix = f".{next(_demo_ids)}"
            fixed = {**fixed, "id": fixed["id"][: 128 - len(suffix)] + suffix}
    if fixed != body:
        case.body = fixed
    return case
