"""O protocolo do chat, sem rede: validação com erros em português, páginas de histórico, Origin."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.chat.protocol import (
    ACTIONS,
    MAX_LIMIT,
    MAX_NICK,
    MAX_TEXT,
    BadMessage,
    Request,
    encode,
    error,
    history_pages,
    origin_allowed,
    parse,
)


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
    assert error(str(caught.value), "send") == {"type": "error", "error": str(caught.value), "action": "send"}
    assert error("x") == {"type": "error", "error": "x"}


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
