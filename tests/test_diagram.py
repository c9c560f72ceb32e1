"""O modelo do diagrama, sem navegador."""

import re

import pytest

from helpers.widgets.diagram import SequenceDiagram, held_label, render_svg
from helpers.traffic.events import C2S, S2C, Closed, Connected, HttpRequest, HttpResponse, Raw

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


# --- requisições seguradas (long polling, notebook 03) ---------------------------------------

LONG = b"GET /mensagens?since=0&espera=30 HTTP/1.1\r\nHost: x\r\n\r\n"
EMPTY = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"


def get(conn, t, data=GET, target="/"):
    return HttpRequest(conn, C2S, t, data, method="GET", target=target, t_end=t)


def ok(conn, t, data=OK, request=None):
    return HttpResponse(conn, S2C, t, data, status=200, reason="OK", t_end=t, reply_to=request)


def test_a_held_request_gets_a_bar_and_a_label_and_a_quick_poll_does_not():
    d = SequenceDiagram(["Ana", "Bruno"], hold_threshold=0.5)
    bruno, ana = get(1, 0.0, LONG, "/mensagens?since=0&espera=30"), get(1, 0.1)
    d.add_event(bruno, client="Bruno")
    d.add_event(ana, client="Ana")  # poll da Ana: responde na hora
    d.add_event(ok(1, 0.11, EMPTY, ana), client="Ana")
    d.add_event(ok(1, 0.8, request=bruno), client="Bruno")  # a do Bruno ficou segurada 0,8 s
    assert [m["kind"] for m in d.messages] == ["held", "msg", "msg", "msg"]
    assert d.messages[3]["from"] == 0 and d.messages[3]["held"] == pytest.approx(0.8)
    assert "held" not in d.messages[2]
    assert d.svg.count('<g class="hold"') == 1
    assert "segurada 0,8 s" in d.svg
    assert arrows(d.svg) == 4  # a seta segurada continua clicável


def test_without_a_threshold_nothing_is_marked_as_held():
    d = SequenceDiagram(["Bruno"])
    request = get(1, 0.0)
    d.add_event(request, client="Bruno")
    d.add_event(ok(1, 5.0, request=request), client="Bruno")
    assert [m["kind"] for m in d.messages] == ["msg", "msg"]
    assert '<g class="hold"' not in d.svg


def test_each_answer_pairs_with_the_request_the_decoder_says_it_answers():
    d = SequenceDiagram(["Ana", "Bruno"], hold_threshold=0.5)
    ana, bruno = get(1, 0.0), get(1, 0.0)  # mesmo número de conexão, outro tap
    d.add_event(ana, client="Ana")
    d.add_event(bruno, client="Bruno")
    d.add_event(ok(1, 0.01, request=ana), client="Ana")
    d.add_event(ok(1, 2.0, request=bruno), client="Bruno")
    assert [m["kind"] for m in d.messages] == ["msg", "held", "msg", "msg"]
    assert d.messages[3]["from"] == 1


def test_clock_converts_hold_times_to_the_unit_of_the_labels():
    d = SequenceDiagram(["Bruno"], hold_threshold=1.0, clock=lambda t: t / 0.05)  # tempo simulado
    request = get(1, 0.0)
    d.add_event(request, client="Bruno")
    d.add_event(ok(1, 0.12, request=request), client="Bruno")
    assert "segurada 2,4 s" in d.svg


def test_a_hold_whose_request_scrolled_away_starts_at_the_top():
    msgs = [{"src": "a", "dst": "servidor", "label": "GET", "kind": "held"}]
    msgs += [{"src": "a", "dst": "servidor", "label": str(i)} for i in range(5)]
    msgs += [{"src": "servidor", "dst": "a", "label": "200", "held": 3.0, "from": 0}]
    svg = render_svg("t", ["a", "servidor"], msgs, max_rows=3)
    assert "segurada 3,0 s" in svg and "… 4 mensagens anteriores" in svg


def test_render_svg_is_deterministic_and_labels_use_a_decimal_comma():
    msgs = [{"src": "a", "dst": "s", "label": "GET", "kind": "held"},
            {"src": "s", "dst": "a", "label": "200", "held": 0.84, "from": 0}]
    assert render_svg("t", ["a", "s"], msgs) == render_svg("t", ["a", "s"], list(msgs))
    assert held_label(0.84) == "segurada 0,8 s"


def test_follow_accepts_a_label_function_and_clear_forgets_open_requests():
    class FakeTap:
        def __init__(self):
            self.subs = []

        def subscribe(self, cb):
            self.subs.append(cb)
            return lambda: self.subs.remove(cb)

    tap, d = FakeTap(), SequenceDiagram(["Ana"], hold_threshold=0.5)
    d.follow(tap, client="Ana", label=lambda ev: "vazio" if isinstance(ev, HttpResponse) else None)
    request = get(1, 0.0)
    tap.subs[0](request)
    d.clear()
    tap.subs[0](ok(1, 3.0, EMPTY, request))
    assert [(m["label"], m["kind"]) for m in d.messages] == [("vazio", "msg")]
