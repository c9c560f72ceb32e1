"""Soluções de referência dos exercícios do notebook 06 (testadas em tests/test_exercises.py)."""

import random


def espera(tentativa: int) -> float:
    return random.uniform(0, min(2.0, 0.1 * 2 ** tentativa))


def origem_ok(headers: dict) -> bool:
    return headers.get("Origin") == "https://chat.exemplo.com"


ESQUEMA_0603 = {
    "type": "object",
    "properties": {
        "type": {"const": "chat"},
        "text": {"type": "string", "minLength": 1, "maxLength": 500},
    },
    "required": ["type", "text"],
    "additionalProperties": False,
}

SOLUTIONS = {"06.1": espera, "06.2": origem_ok, "06.3": ESQUEMA_0603}
