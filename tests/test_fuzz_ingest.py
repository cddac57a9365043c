"""Whatever arrives on /webhooks/{endpoint}, the answer is never a 5xx, and the store holds
exactly what was acknowledged: every 2xx is there with its body, nothing refused is."""

import json
import sqlite3
import time

import httpx
import pytest
from helpers_servers import SECRET, Target, write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dodo_transform import strictjson
from dodo_transform.relay.config import load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.signing import sign
from dodo_transform.serving import ServerThread


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    with Target() as target:
        config = load_config(write_config(tmp, target.url, extra_server="max_body_bytes = 4096"))
        with ServerThread(create_app(config)) as srv, httpx.Client(base_url=srv.url) as client:
            # What the server acknowledged, by (endpoint, webhook-id): the body first stored.
            acked: dict[tuple[str, str], bytes] = {}
            yield client, config.server.database, acked


# h11 refuses to send values with surrounding whitespace, so the fuzzer strips them.
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=120).map(
    str.strip
)
# Any byte HTTP lets through in a value (obs-text included), as sent: not only ASCII text.
header_bytes = st.binary(max_size=80).map(
    lambda b: bytes(c for c in b if c in _FIELD_BYTES).strip(b" \t")
)
_FIELD_BYTES = frozenset([9, *range(32, 127), *range(128, 256)])
header_names = st.from_regex(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}", fullmatch=True).filter(
    lambda n: n.lower() not in ("content-length", "transfer-encoding", "host", "connection")
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
envelopes = st.builds(
    lambda t, d: json.dumps({"type": t, "data": d}), st.text(max_size=40), json_values
)
bodies = st.one_of(
    st.binary(max_size=5000),
    st.text(max_size=500).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),  # NaN and Infinity among the floats
    envelopes.map(str.encode),
    st.builds(
        lambda text, enc: text.encode(enc),
        envelopes,
        st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "utf-32-be"]),
    ),
)
timestamps = st.sampled_from(["{t}", "{t}.5", "+{t}", "{t}e0", "0{t}", "{t}0", "-{t}", ""])


@st.composite
def requests(draw):
    body = draw(bodies)
    mode = draw(st.sampled_from(["signed", "signed", "random", "mixed", "none"]))
    headers: dict[str, str | bytes] = {}
    if mode in ("signed", "mixed"):
        msg_id = draw(st.one_of(st.none(), header_text.filter(bool)))
        signed = sign(SECRET, body, msg_id=msg_id, timestamp=time.time())
        # A signature over the canonical timestamp, sent with a variant of it.
        signed["webhook-timestamp"] = draw(timestamps).format(t=signed["webhook-timestamp"])
        headers.update(signed)
    if mode in ("random", "mixed"):
        # (content-length is not fuzzed: httpx refuses to send a lying one)
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type"):
            if draw(st.booleans()):
                headers[name] = draw(header_text)
    for name, value in draw(st.dictionaries(header_names, header_bytes, max_size=4)).items():
        headers.setdefault(name.lower(), value)
    endpoint = draw(st.sampled_from(["test", "test", "other", "t%00", "..%2f"]))
    return endpoint, body, headers


def stored_body(database, endpoint: str, webhook_id: str) -> bytes | None:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT body FROM events WHERE endpoint = ? AND webhook_id = ?", (endpoint, webhook_id)
        ).fetchone()
    return None if row is None else bytes(row[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_ingest_never_answers_5xx_and_stores_only_what_it_acknowledged(
    server, request_parts
) -> None:
    client, database, acked = server
    endpoint, body, headers = request_parts
    r = client.post(f"/webhooks/{endpoint}", content=body, headers=headers)
    assert r.status_code < 500, r.text
    if r.status_code in (400, 401, 404, 413):
        assert r.json()["error"]  # a clear message, not a bare status
    webhook_id = headers.get("webhook-id")
    if not isinstance(webhook_id, str) or endpoint != "test":
        assert not 200 <= r.status_code < 300, r.text  # nothing without an id or an endpoint
        return
    key = (endpoint, webhook_id)
    if r.status_code in (200, 202):
        assert r.json()["status"] == ("duplicate" if key in acked else "accepted"), r.text
        acked.setdefault(key, body)
        strictjson.loads(acked[key])  # only RFC 8259 JSON is ever acknowledged
    assert stored_body(database, *key) == acked.get(key)


def test_the_store_holds_exactly_what_was_acknowledged(server) -> None:
    """After the property test above (same module server): no event beyond the 2xx answers."""
    _client, database, acked = server
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT endpoint, webhook_id, body FROM events").fetchall()
        deliveries = db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    assert {(e, w): bytes(b) for e, w, b in rows} == acked
    assert deliveries == len(acked)
