"""O protocolo do chat, sem rede, nos dois sentidos: validação com erros em português, eventos do
servidor, páginas de histórico, rótulos do diagrama, limites, Origin."""

import json
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.chat.protocol import (
    ACTIONS,
    EVENTS,
    LIMITS,
    MAX_LIMIT,
    MAX_NICK,
    MAX_TEXT,
    BadMessage,
    Request,
    ack_event,
    encode,
    error_event,
    history_pages,
    history_request,
    join_request,
    label,
    leave_request,
    message_event,
    origin_allowed,
    parse,
    parse_event,
    presence_event,
    send_request,
    typing_event,
    typing_request,
    welcome_event,
)

HELPERS = pathlib.Path(__file__).resolve().parent.parent / "helpers"


def msg(**fields) -> str:
    return json.dumps(fields)


def test_each_action_becomes_a_request_with_only_its_fields():
    assert parse(msg(action="join", nick=" Ana ")) == Request("join", nick="Ana")
    assert parse(msg(action="join", nick="Ana", since=7, token="t", client="c")) == Request(
        "join", nick="Ana", since=7, token="t", client="c")
    assert parse(msg(action="send", text="Oi!")) == Request("send", text="Oi!")
    assert parse(msg(action="send", text="Oi!", seq=3)).seq == 3
    assert parse(msg(action="history")) == Request("history", since=0, limit=MAX_LIMIT)
    assert parse(msg(action="history", since=5, limit=10)) == Request("history", since=5, limit=10)
    assert parse(msg(action="typing")) == Request("typing")
    assert parse(msg(action="leave")) == Request("leave")
    assert set(ACTIONS) == {"join", "send", "history", "typing", "leave"}


@pytest.mark.parametrize("raw, words", [
    ("oi", "não é JSON válido"),
    ('{"action": "send", "text": "oi"', "não é JSON válido"),
    ("[1, 2]", "objeto JSON"),
    ('"send"', "objeto JSON"),
    ("{}", 'Falta o campo "action"'),
    (msg(action="dance"), 'Ação desconhecida: "dance"'),
    (msg(action="send"), 'Falta o campo "text"'),
    (msg(action="send", text=""), "texto não vazio"),
    (msg(action="send", text="   "), "texto não vazio"),
    (msg(action="send", text=42), "texto não vazio"),
    (msg(action="send", text="x" * (MAX_TEXT + 1)), f"o máximo é {MAX_TEXT}"),
    (msg(action="send", text="oi", seq=0), '"seq" deve ser um número inteiro'),
    (msg(action="join"), 'Falta o campo "nick"'),
    (msg(action="join", nick="x" * (MAX_NICK + 1)), f"o máximo é {MAX_NICK}"),
    (msg(action="join", nick="Ana", since=-1), '"since" deve ser um número inteiro'),
    (msg(action="join", nick="Ana", since="ontem"), '"since" deve ser um número inteiro'),
    (msg(action="join", nick="Ana", since=True), '"since" deve ser um número inteiro'),
    (msg(action="join", nick="Ana", token=123), '"token" deve ser um texto'),
    (msg(action="history", limit=MAX_LIMIT + 1), f"entre 1 e {MAX_LIMIT}"),
    (b'{"action": "send", "text": "oi"}', "binárias não são aceitas"),
])
def test_bad_messages_get_a_portuguese_explanation(raw, words):
    with pytest.raises(BadMessage) as caught:
        parse(raw)
    assert words in str(caught.value)


def test_the_error_says_which_action_failed_when_it_knows():
    with pytest.raises(BadMessage) as caught:
        parse(msg(action="send"))
    assert caught.value.action == "send"
    assert error_event(str(caught.value), "send") == {"type": "error", "error": str(caught.value), "action": "send"}
    assert error_event("x") == {"type": "error", "error": "x"}


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200),
                 st.dictionaries(st.text(max_size=8), st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                 max_size=5).map(json.dumps)))
def test_anything_at_all_is_either_a_request_or_a_bad_message(raw):
    try:
        assert parse(raw).action in ACTIONS
    except BadMessage as exc:
        assert str(exc)


def test_history_is_split_in_pages_with_a_more_flag():
    messages = [{"id": i} for i in range(1, 6)]
    pages = history_pages(messages, page=2)
    assert [len(p["messages"]) for p in pages] == [2, 2, 1]
    assert [p["more"] for p in pages] == [True, True, False]
    assert [m for p in pages for m in p["messages"]] == messages
    assert history_pages([]) == [{"type": "history", "messages": [], "more": False}]


def test_encode_is_compact_json_with_accents_as_they_are():
    assert encode({"type": "message", "text": "Olá"}) == '{"type":"message","text":"Olá"}'


@pytest.mark.parametrize("origin, host, allowed", [
    (None, "127.0.0.1:8765", True),                          # um programa (sem navegador)
    ("http://127.0.0.1:8765", "127.0.0.1:8765", True),       # a página do próprio servidor
    ("http://127.0.0.1:8765/", "127.0.0.1:8765", True),
    ("http://LOCALHOST:8765", "localhost:8765", True),
    ("https://hub.exemplo.edu", "hub.exemplo.edu", True),    # pelo jupyter-server-proxy
    ("https://hub.exemplo.edu", "hub.exemplo.edu:443", True),
    ("http://hub.exemplo.edu:80", "hub.exemplo.edu", True),
    ("http://127.0.0.1:8888", "127.0.0.1:8888", True),       # jupyter lab local com o proxy
    ("http://127.0.0.1:9999", "127.0.0.1:8765", False),      # outra porta é outra origem
    ("https://malicioso.example", "127.0.0.1:8765", False),
    ("http://127.0.0.1:8765.malicioso.example", "127.0.0.1:8765", False),
    ("null", "127.0.0.1:8765", False),                       # arquivo local, iframe isolado
    ("file://", "127.0.0.1:8765", False),
    ("http://127.0.0.1:8765", None, False),
])
def test_the_origin_rule(origin, host, allowed):
    assert origin_allowed(origin, host) is allowed


def test_an_explicit_list_lets_other_origins_in():
    assert origin_allowed("https://hub.exemplo.edu", "10.0.0.5:8765", {"https://hub.exemplo.edu/"})
    assert not origin_allowed("https://outro.exemplo", "10.0.0.5:8765", {"https://hub.exemplo.edu"})


def test_every_request_the_client_builds_is_one_the_server_accepts():
    built = [join_request("Ana", since=3, token="t", client="c"), send_request("Oi", seq=2),
             history_request(5, 10), typing_request(), leave_request()]
    assert [parse(encode(r)).action for r in built] == list(ACTIONS)
    assert parse(encode(join_request("Ana"))) == Request("join", nick="Ana")
    assert parse(encode(send_request("Oi", seq=2))) == Request("send", text="Oi", seq=2)


def test_every_event_the_server_builds_is_one_the_client_reads():
    msg_ = {"id": 1, "ts": "2025-03-14T15:09:26.535Z", "nick": "Ana", "text": "Oi"}
    built = [welcome_event("Ana", ["Ana"], 0), *history_pages([msg_]), message_event(msg_),
             presence_event(1, joined="Ana"), typing_event("Ana"), ack_event(7, 1),
             error_event("não", "send")]
    assert [parse_event(encode(e))["type"] for e in built] == list(EVENTS)
    assert message_event(msg_) == {"type": "message", **msg_}
    assert presence_event(0, left="Bia") == {"type": "presence", "count": 0, "left": "Bia"}
    assert ack_event(7, 42) == {"type": "ack", "seq": 7, "id": 42}


@pytest.mark.parametrize("raw", ["não é json", "[1, 2]", '{"type": "hack"}', "{}"])
def test_the_client_rejects_what_is_not_an_event(raw):
    with pytest.raises(BadMessage):
        parse_event(raw)


def test_labels_for_the_diagram_cover_both_directions():
    assert label(send_request("Oi, turma!")) == 'send "Oi, turma!"'
    assert label(join_request("Ana")) == "join Ana"
    assert label(message_event({"id": 3, "nick": "Ana", "text": "Oi"})) == 'message #3 Ana: "Oi"'
    assert label(presence_event(1, left="Bia")) == "presence −Bia"
    assert label(history_pages([])[0]) == "history (0)"
    assert label(ack_event(1, 2)) == "ack"
    assert label({"outra": "coisa"}) is None


def test_no_module_but_the_protocol_writes_a_server_event_by_hand():
    literal = re.compile(r"""["']type["']\s*:\s*["'](%s)["']""" % "|".join(EVENTS))
    offenders = [str(path.relative_to(HELPERS)) for path in HELPERS.rglob("*.py")
                 if path.name != "protocol.py" and literal.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_javascript_takes_the_limits_from_python():
    page = (HELPERS / "static" / "chat.html").read_text(encoding="utf-8")
    assert 'data-limites="__LIMITES__"' in page and not re.search(r"maxlength=\"?\d", page, re.I)
    for name, used in (("chat.js", "limites"), ("chatwidget.js", "limits")):
        source = (HELPERS / "static" / name).read_text(encoding="utf-8")
        assert not re.search(r"maxLength\s*=\s*\d", source), name
        typed = {str(LIMITS[k]) for k in ("typing_every_ms", "typing_shown_ms")}
        assert not set(re.findall(r"\b\d+\b", source)) & typed, name
        assert f"{used}.max_text" in source and f"{used}.typing_every_ms" in source, name
