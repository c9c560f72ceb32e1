"""HttpDecoder a partir de bytes gravados: sem sockets."""

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.traffic.events import C2S, S2C, HttpRequest, HttpResponse, Raw, safe_feed
from helpers.traffic.httpdecode import HttpDecoder, RawDecoder

GET = b"GET /hora HTTP/1.1\r\nHost: exemplo\r\nUser-Agent: teste\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n12:00"
POST = b"POST /msgs HTTP/1.1\r\nHost: exemplo\r\nContent-Length: 3\r\n\r\noi!"
CREATED = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"


def run(stream, decoder=None):
    """Alimenta (direção, bytes) em ordem; devolve os eventos."""
    dec = decoder or HttpDecoder(1)
    out = []
    for i, (direction, data) in enumerate(stream):
        out += dec.feed(direction, data, float(i))
    return out


def test_a_request_and_its_response_become_two_events_with_exact_bytes():
    events = run([(C2S, GET), (S2C, OK)])
    req, resp = events
    assert isinstance(req, HttpRequest) and isinstance(resp, HttpResponse)
    assert (req.method, req.target, req.header("host")) == ("GET", "/hora", "exemplo")
    assert req.data == GET and resp.data == OK
    assert (resp.status, resp.reason, resp.body) == (200, "OK", b"12:00")
    assert resp.head_size == len(OK) - 5
    assert req.summary == "GET /hora"
    assert resp.summary == f"200 OK · {len(OK)} B"


def test_keep_alive_carries_several_cycles_on_one_connection():
    events = run([(C2S, GET), (S2C, OK), (C2S, POST), (S2C, CREATED)])
    assert [e.summary.split(" ·")[0] for e in events] == ["GET /hora", "200 OK", "POST /msgs", "201 Created"]
    assert events[2].body == b"oi!"


def test_bytes_arriving_one_at_a_time_give_the_same_events():
    stream = [(C2S, bytes([b])) for b in GET] + [(S2C, bytes([b])) for b in OK]
    events = run(stream)
    assert [e.data for e in events] == [GET, OK]


def test_chunked_body_is_reassembled():
    (_, resp) = run([(C2S, GET), (S2C, CHUNKED)])
    assert resp.body == b"abcde" and resp.data == CHUNKED


def test_pipelined_requests_are_split_correctly():
    events = run([(C2S, GET + POST), (S2C, OK), (S2C, CREATED)])
    assert [type(e).__name__ for e in events] == ["HttpRequest", "HttpResponse", "HttpRequest", "HttpResponse"]
    assert events[2].data == POST


def test_response_delimited_by_connection_close():
    resp10 = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\ncorpo ate o fim"
    events = run([(C2S, GET), (S2C, resp10), (S2C, b""), (C2S, b"")])
    assert events[-1].body == b"corpo ate o fim"


def test_garbage_becomes_raw_and_later_bytes_too():
    events = run([(C2S, b"\x16\x03\x01 isto nao e http\r\n\r\n"), (C2S, b"mais lixo")])
    assert all(isinstance(e, Raw) for e in events)
    assert b"".join(e.data for e in events) == b"\x16\x03\x01 isto nao e http\r\n\r\nmais lixo"
    assert "não é HTTP válido" in events[0].note


def test_missing_host_header_is_reported_as_raw_not_an_exception():
    events = run([(C2S, b"GET / HTTP/1.1\r\n\r\n")])
    assert isinstance(events[0], Raw)


def test_after_101_bytes_go_to_the_upgrade_decoder():
    upgrade = (b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    switching = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    frame = bytes.fromhex("810548656c6c6f")
    seen = []

    class Recorder(RawDecoder):
        def feed(self, direction, data, t):
            seen.append((direction, data))
            return super().feed(direction, data, t)

    events = run([(C2S, upgrade), (S2C, switching + frame), (C2S, b"\x81\x85abcd")],
                 HttpDecoder(1, upgrade=lambda conn: Recorder(conn)))
    assert [type(e).__name__ for e in events] == ["HttpRequest", "HttpResponse", "Raw", "Raw"]
    assert events[1].status == 101 and events[1].data == switching
    assert seen == [(S2C, frame), (C2S, b"\x81\x85abcd")]


def test_upgrade_refused_with_400_stays_http():
    upgrade = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    bad = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nnao"
    events = run([(C2S, upgrade), (S2C, bad)])
    assert events[1].status == 400 and events[1].body == b"nao"


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(GET + POST)), max_size=8))
def test_any_split_of_a_stream_yields_the_same_messages(cuts):
    data = GET + POST
    points = sorted({0, len(data), *cuts})
    stream = [(C2S, data[a:b]) for a, b in zip(points, points[1:])]
    events = run(stream + [(S2C, OK), (S2C, CREATED)])
    assert [e.data for e in events] == [GET, OK, POST, CREATED]


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.tuples(st.sampled_from([C2S, S2C]), st.binary(max_size=64)), max_size=10))
def test_random_bytes_never_raise(chunks):
    events = run(chunks)
    fed = sum(len(d) for _, d in chunks)
    assert sum(len(e.data) for e in events) <= fed


def test_each_response_says_which_request_it_answers():
    events = run([(C2S, GET + POST), (S2C, OK), (S2C, CREATED)])
    requests = [e for e in events if isinstance(e, HttpRequest)]
    responses = [e for e in events if isinstance(e, HttpResponse)]
    assert [r.reply_to for r in responses] == requests
    assert all(r.reply_to is not None and r.reply_to.direction == C2S for r in responses)


def test_a_decoder_that_fails_inside_becomes_raw_bytes_never_an_exception():
    class Broken:
        def feed(self, direction, data, t):
            raise ZeroDivisionError("ops")

    [ev] = safe_feed(Broken(), 7, C2S, b"abc", 1.0)
    assert isinstance(ev, Raw) and ev.data == b"abc" and "ops" in ev.note
    decoder = HttpDecoder(1)
    assert decoder.feed(C2S, GET[:10], 0.0) == []
    decoder._drain = Broken().feed  # um defeito no meio do caminho
    [ev] = safe_feed(decoder, 1, C2S, GET[10:], 0.1)
    assert ev.data == GET and "erro interno" in ev.note  # os bytes guardados não se perdem
    assert isinstance(decoder.feed(C2S, b"mais", 0.2)[0], Raw)  # a direção segue como bytes crus
