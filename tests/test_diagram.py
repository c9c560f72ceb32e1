"""O modelo do diagrama, sem navegador."""

import re

from helpers.diagram import SequenceDiagram, render_svg
from helpers.events import C2S, S2C, Closed, Connected, HttpRequest, HttpResponse, Raw

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\noi"


def arrows(svg):
    return len(re.findall(r'<g class="msg arrow"', svg))


def test_each_http_message_becomes_one_arrow_with_a_short_label():
    d = SequenceDiagram(["cliente"], title="teste")
    d.add_event(Connected(1, C2S, 0.0))
    d.add_event(HttpRequest(1, C2S, 0.1, GET, method="GET", target="/"))
    d.add_event(HttpResponse(1, S2C, 0.2, OK, status=200, reason="OK"))
    d.add_event(Closed(1, C2S, 0.3))
    assert d.arrows == 2 and arrows(d.svg) == 2
    assert [m["label"] for m in d.messages] == [
        "conexão TCP #1 aberta", "GET /", f"200 OK · {len(OK)} B", "conexão TCP #1 fechada"]
    assert d.messages[1]["src"] == "cliente" and d.messages[2]["src"] == "servidor"


def test_selected_message_carries_hex_and_visible_text():
    d = SequenceDiagram()
    d.add_event(HttpRequest(1, C2S, 0.1, GET, method="GET", target="/"))
    msg = d.messages[0]
    assert msg["hex"].startswith("00000000  47 45 54 20 2f")
    assert "GET / HTTP/1.1\\r\\n\n" in msg["text"]
    assert msg["size"] == len(GET)


def test_errors_and_raw_bytes_are_drawn_differently():
    d = SequenceDiagram()
    d.add_event(HttpResponse(1, S2C, 0.2, b"x", status=500, reason="Internal Server Error"))
    d.add_event(Raw(1, C2S, 0.3, b"\x00\x01"))
    assert [m["kind"] for m in d.messages] == ["error", "raw"]
    assert "#c0392b" in d.svg and 'stroke-dasharray="6 3"' in d.svg


def test_labels_are_escaped_so_traffic_cannot_inject_markup():
    d = SequenceDiagram()
    d.add("cliente", "servidor", '<script>alert(1)</script><img src=x onerror="x()">')
    assert "<script>" not in d.svg and "<img" not in d.svg
    assert "&lt;script&gt;" in d.svg


def test_new_client_lanes_are_added_before_the_server():
    d = SequenceDiagram(["Ana"])
    d.add("Bruno", "servidor", "GET /")
    assert d.lanes == ["Ana", "Bruno", "servidor"]


def test_only_the_last_rows_are_drawn_with_a_note_about_the_rest():
    svg = render_svg("t", ["a", "b"], [{"src": "a", "dst": "b", "label": str(i)} for i in range(50)], max_rows=10)
    assert arrows(svg) == 10 and "… 40 mensagens anteriores" in svg


def test_repr_is_stable_for_nbval():
    d = SequenceDiagram(["cliente"], title="x")
    d.add("cliente", "servidor", "GET /")
    assert repr(d) == "SequenceDiagram(title='x', lanes=['cliente', 'servidor'])"
    assert "0x" not in d._repr_mimebundle_()[0]["text/plain"]


def test_follow_draws_tap_events_and_unfollow_stops():
    class FakeTap:
        def __init__(self):
            self.subs = []

        def subscribe(self, cb):
            self.subs.append(cb)
            return lambda: self.subs.remove(cb)

    tap, d = FakeTap(), SequenceDiagram(["Ana"])
    d.follow(tap, client="Ana", connections=False)
    for cb in list(tap.subs):
        cb(Connected(1, C2S, 0.0))
        cb(HttpRequest(1, C2S, 0.1, GET, method="GET", target="/"))
    assert [m["label"] for m in d.messages] == ["GET /"]
    d.unfollow()
    assert tap.subs == []
