"""Exercícios do 06: respostas erradas típicas ganham a dica certa, sem a resposta."""

import random

import helpers.exercises.ch06  # noqa: F401  (registra os corretores)
from helpers.exercises.grader import check
from solutions import ch06


def test_reference_solutions_pass():
    for ident, answer in ch06.SOLUTIONS.items():
        assert check(ident, answer).ok, ident


def test_backoff_hints():
    assert "juntos" in check("06.1", lambda k: min(2.0, 0.1 * 2 ** k)).message
    assert "teto de 2 s" in check("06.1", lambda k: random.uniform(0, 0.1 * 2 ** k)).message
    assert "começar em 0" in check("06.1", lambda k: random.uniform(0.5, 1) * min(2, 0.1 * 2 ** k)).message
    assert "sem parênteses" in check("06.1", 0.1).message


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
