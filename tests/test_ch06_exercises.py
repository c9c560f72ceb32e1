"""Exercícios do 06: respostas erradas típicas ganham a dica certa, sem a resposta."""

import random

import helpers.exercises.ch06  # noqa: F401  (registra os corretores)
from helpers.exercises.grader import check
from solutions import ch06


def test_reference_solutions_pass():
    for ident, answer in ch06.SOLUTIONS.items():
        assert check(ident, answer).ok, ident


WRONG_BACKOFFS = {
    "mesmo instante": lambda k: min(2.0, 0.1 * 2 ** k),  # sem sorteio
    "chega ao teto": lambda k: random.uniform(0, 0.1 * 2 ** k),  # sem teto
    "perto de zero": lambda k: random.uniform(0.5, 1) * min(2, 0.1 * 2 ** k),  # sorteio longe do 0
    "tentativa 0": lambda k: random.uniform(0, min(2, 0.2 * 2 ** k)),  # base errada
    "tamanho certo": lambda k: random.uniform(0, min(2, 0.1 * 2 ** k) / 2),  # intervalo curto
}


def test_backoff_hints():
    for expected, answer in WRONG_BACKOFFS.items():
        assert expected in check("06.1", answer).message, expected
    assert "sem parênteses" in check("06.1", 0.1).message


def test_backoff_hints_guide_without_handing_over_the_answer():
    # nada de código nem da fórmula: nem min(...), nem uniform, nem "base × 2"
    for answer in [*WRONG_BACKOFFS.values(), lambda k: 0.1 * 2 ** k, lambda k: 0.3]:
        message = check("06.1", answer).message
        for giveaway in ("min(", "uniform", "random", "× 2", "2 elevado", "2^"):
            assert giveaway not in message, (giveaway, message)


def test_origin_hints():
    assert "valor inteiro" in check("06.2", lambda h: "https://chat.exemplo.com" in h.get("Origin", "")).message
    assert "KeyError" in check("06.2", lambda h: h["Origin"] == "https://chat.exemplo.com").message
    assert "esquema" in check("06.2", lambda h: h.get("Origin", "").replace("http://", "https://") == "https://chat.exemplo.com").message


def test_schema_hints():
    assert "additionalProperties" in check("06.3", {**ch06.ESQUEMA_0603, "additionalProperties": True}).message
    loose = {**ch06.ESQUEMA_0603, "properties": {"type": {"const": "chat"}, "text": {}}}
    assert "tamanho" in check("06.3", loose).message
    assert "dicionário" in check("06.3", "{}").message
    assert "mostrando como texto" in check("06.3", {**ch06.ESQUEMA_0603, "properties": {
        "type": {"const": "chat"}, "text": {"type": "string", "pattern": "^[^<]*$", "minLength": 1,
                                            "maxLength": 500}}}).message
