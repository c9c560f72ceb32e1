"""Os corretores do capítulo 02: as dicas apontam o erro sem entregar a resposta."""

import dns.message

import helpers.exercises.ch02  # noqa: F401  (registra os corretores)
from helpers.exercises.ch02 import SAMPLE_RESPONSES
from helpers.exercises.grader import check


def hint(ident, answer):
    result = check(ident, answer)
    assert not result.ok, result
    return result.message


def test_ttl_hints():
    assert "sem parênteses" in hint("02.1", 60)
    assert "inteiro" in hint("02.1", lambda r: "60")
    assert "ID" in hint("02.1", lambda r: int.from_bytes(r[:2], "big"))
    assert "fim da mensagem" in hint("02.1", lambda r: int.from_bytes(r[-10:-6], "big"))
    fixed = SAMPLE_RESPONSES[0][0]
    offset = len(fixed) - 10
    assert "tamanho do nome" in hint("02.1", lambda r: int.from_bytes(r[offset:offset + 4], "big"))
    assert "IndexError" in hint("02.1", lambda r: r[1000])


def test_ttl_hint_about_two_bytes():
    def two_bytes(r):
        from solutions.ch02 import ttl_da_resposta
        return ttl_da_resposta(r) & 0xFFFF

    assert "4 bytes" in hint("02.1", two_bytes)


def test_cache_hints():
    assert "enquanto o TTL vale" in hint("02.2", lambda instantes, ttl: len(instantes))
    assert "vence" in hint("02.2", lambda instantes, ttl: 1)
    assert "relógio que zera" in hint("02.2", lambda i, ttl: len({int(t // ttl) for t in i}))

    def strict(instantes, ttl):
        n, vale = 0, float("-inf")
        for t in instantes:
            if t > vale:
                n, vale = n + 1, t + ttl
        return n

    assert "instante exato" in hint("02.2", strict)


def test_waterfall_hints():
    assert "paralelo" in hint("02.3", lambda e: sum(f - i for _, i, f in e))
    assert "zero" in hint("02.3", lambda e: max(f for _, _, f in e))
    assert "fora de ordem" in hint("02.3", lambda e: e[-1][2] - e[0][1])
    assert "número" in hint("02.3", lambda e: "1")


def test_aaaa_query_hints():
    assert "outro tipo" in hint("02.4", dns.message.make_query("chat.curso.test", "A"))
    assert "nome perguntado" in hint("02.4", dns.message.make_query("chat.test", "AAAA"))
    assert "tabela de tipos" in hint("02.4", dns.message.make_query("chat.curso.test", "MX"))
    assert "make_query" in hint("02.4", "chat.curso.test AAAA")
    response = dns.message.make_response(dns.message.make_query("chat.curso.test", "AAAA"))
    assert "bit QR" in hint("02.4", response)
    assert check("02.4", dns.message.make_query("chat.curso.test", "AAAA").to_wire()).ok


def test_hints_never_give_the_answer_away():
    messages = [hint("02.2", lambda i, t: 0), hint("02.3", lambda e: 0), hint("02.1", lambda r: 0)]
    assert not any("t >= " in m or "max(" in m or "min(" in m for m in messages)
