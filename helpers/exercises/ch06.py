"""Corretores dos exercícios do notebook 06 (Uso consciente).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch06.py``.
"""

from __future__ import annotations

import json
import random

from ..core.numbers import exact
from .grader import Hint, exercise, require_callable

__all__ = ["MESSAGES_0603", "backoff_exercise", "origin_exercise", "schema_exercise"]

BASE, CAP = 0.1, 2.0
ALLOWED = "https://chat.exemplo.com"


@exercise("06.1")
def backoff_exercise(answer) -> None:
    """``espera(tentativa) -> float``: backoff exponencial (base 0,1 s, teto 2 s) com full jitter."""
    require_callable(answer)
    random.seed(6)
    for attempt in range(8):
        ceiling = min(CAP, BASE * 2 ** attempt)
        waits = [answer(attempt) for _ in range(300)]
        if not all(isinstance(w, (int, float)) for w in waits):
            raise Hint("A função deve devolver um número de segundos (float).")
        if any(w < 0 for w in waits):
            raise Hint("Uma espera negativa não existe: o sorteio vai de 0 até o teto.")
        if len(set(waits)) == 1:
            if waits[0] == ceiling:
                raise Hint(f"Suas esperas na tentativa {attempt} são todas iguais. Imagine 100 "
                           "clientes derrubados no mesmo instante: quando cada um volta? Reveja "
                           "a tempestade de reconexões na seção 5.")
            raise Hint(f"A tentativa {attempt} sempre espera {exact(waits[0])} s. Escreva, para as "
                       "tentativas 0, 1, 2 e 3, o maior tempo que o enunciado permite, e compare "
                       "com os seus.")
        if max(waits) > ceiling + 1e-9:
            if attempt >= 5:
                raise Hint(f"Na tentativa {attempt} uma espera passou de 2 s. O que o enunciado "
                           "diz que acontece quando a progressão chega ao teto?")
            raise Hint(f"Na tentativa {attempt} uma espera passou do maior valor permitido. "
                       "Confira sua conta para a tentativa 0: ela deve esperar no máximo 0,1 s.")
        if max(waits) < 0.6 * ceiling:
            raise Hint(f"Na tentativa {attempt} as esperas nunca chegam perto do maior valor "
                       "permitido. O intervalo do sorteio está do tamanho certo?")
        if min(waits) > 0.4 * ceiling:
            raise Hint("As esperas nunca chegam perto de zero. De onde o full jitter começa o "
                       "sorteio?")


_ORIGINS = [
    ({"Origin": ALLOWED}, True),
    ({"Origin": "https://chat.exemplo.com.site-malicioso.example"}, False),
    ({"Origin": "https://site-malicioso.example/?https://chat.exemplo.com"}, False),
    ({"Origin": "http://chat.exemplo.com"}, False),
    ({"Origin": "null"}, False),
    ({}, False),
    ({"Host": "chat.exemplo.com"}, False),
]


@exercise("06.2")
def origin_exercise(answer) -> None:
    """``origem_ok(headers: dict) -> bool``: só a origem ``https://chat.exemplo.com``."""
    require_callable(answer)
    for headers, expected in _ORIGINS:
        try:
            got = answer(dict(headers))
        except KeyError:
            raise Hint("Um pedido sem Origin fez sua função quebrar (KeyError). Use "
                       "headers.get(...) e recuse quando faltar.") from None
        if got is not expected and got != expected:
            origin = headers.get("Origin")
            if origin is None:
                raise Hint("Sem header Origin, recuse: não dá para saber de onde veio o pedido.")
            if expected:
                raise Hint("A origem permitida foi recusada. Compare com o texto exato, com "
                           "esquema (https://) e sem barra no fim.")
            if ALLOWED in origin:
                raise Hint("Conter o texto permitido não basta: um atacante registra um domínio "
                           "que o contém. Compare o valor inteiro.")
            if origin.startswith("http://"):
                raise Hint("http:// e https:// são origens diferentes: o esquema faz parte da origem.")
            raise Hint(f"A origem {origin!r} deveria ser recusada.")


MESSAGES_0603 = {
    '{"type": "chat", "text": "oi"}': True,
    '{"type": "chat", "text": "<img src=x onerror=alert(1)>"}': True,
    '{"type": "chat", "text": ""}': False,
    '{"type": "chat", "text": 42}': False,
    '{"type": "chat"}': False,
    '{"type": "admin", "text": "apague tudo"}': False,
    '{"type": "chat", "text": "oi", "admin": true}': False,
    '{"type": "chat", "text": "' + "a" * 501 + '"}': False,
    '["chat", "oi"]': False,
}


@exercise("06.3")
def schema_exercise(answer) -> None:
    """Um JSON Schema (dict) que aceita só as mensagens de chat válidas de ``MESSAGES_0603``."""
    from ..experiments.hardening import load_jsonschema

    jsonschema = load_jsonschema()

    if not isinstance(answer, dict):
        raise Hint("O esquema é um dicionário Python (um dict), não um texto.")
    try:
        validator = jsonschema.Draft202012Validator(answer)
        validator.check_schema(answer)
    except jsonschema.SchemaError as exc:
        raise Hint(f"Isso não é um JSON Schema válido: {exc.message}") from None
    for text, expected in MESSAGES_0603.items():
        ok = validator.is_valid(json.loads(text))
        if ok == expected:
            continue
        short = text if len(text) < 60 else text[:50] + "…}"
        if expected:
            raise Hint(f"A mensagem válida {short} foi recusada. Lembre: validar o formato não é "
                       "proibir HTML; o HTML se resolve mostrando como texto.")
        if '"admin": true' in text:
            raise Hint("Uma mensagem com campo a mais passou: procure additionalProperties.")
        if '"text": 42' in text or '""' in text or "aaaa" in text:
            raise Hint(f"{short} passou: restrinja o tipo e o tamanho do texto "
                       "(type, minLength, maxLength).")
        if text.startswith("["):
            raise Hint("Uma lista passou: a mensagem tem de ser um objeto.")
        if "admin" in text:
            raise Hint("Um type diferente de \"chat\" passou: fixe o valor (const).")
        raise Hint(f"{short} passou, mas falta um campo obrigatório (required).")
