"""Corretor de exercícios: a resposta do aluno recebe ✔ ou uma dica em português.

Introduzido no notebook 01. Cada exercício é uma função ``checar(resposta)`` que levanta
``Hint("...")`` quando algo está errado; a dica aponta o que olhar, nunca entrega a resposta.
``check`` roda essa função e devolve um ``Feedback`` que o notebook mostra. As soluções de
referência ficam em ``tests/`` e são testadas lá.

Exemplo::

    @exercise("01.1")
    def requisicao_crua(resposta: bytes) -> None:
        if not resposta.endswith(b"\\r\\n\\r\\n"):
            raise Hint("Os headers terminam com uma linha em branco.")
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

__all__ = ["EXERCISES", "Feedback", "Hint", "check", "check_async", "exercise", "require_callable"]


class Hint(Exception):
    """Levantada por um corretor: a mensagem é a dica mostrada ao aluno."""


@dataclass(frozen=True)
class Feedback:
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'✔' if self.ok else '✘'} {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#1e7e34" if self.ok else "#b03a2e"
        return (f'<div style="color:{color};font-weight:bold">'
                f"{escape(str(self))}</div>")

    def __bool__(self) -> bool:
        return self.ok


EXERCISES: dict[str, Callable[[Any], Any]] = {}


def require_callable(answer: Any) -> None:
    """A primeira conferência de todo exercício que pede uma função."""
    if not callable(answer):
        raise Hint("Passe a função (o nome dela, sem parênteses), não o resultado de uma chamada.")


def exercise(ident: str):
    """Registra um corretor com o identificador do exercício (ex.: ``"01.2"``)."""

    def register(fn):
        EXERCISES[ident] = fn
        fn.exercise_id = ident
        return fn

    return register


def _grader(ident: str) -> Callable[[Any], Any]:
    """O corretor de ``ident``; o de ``"04.1"`` mora em ``helpers/exercises/ch04.py``."""
    if ident not in EXERCISES:
        chapter = ident.split(".")[0]
        if chapter.isdigit():
            try:
                importlib.import_module(f"{__package__}.ch{int(chapter):02d}")
            except ModuleNotFoundError:
                pass
    if ident not in EXERCISES:
        raise KeyError(f"Não existe o exercício {ident!r}: confira o número no enunciado.")
    return EXERCISES[ident]


def _wrong_type(exc: Exception) -> Feedback:
    return Feedback(False, f"Sua resposta causou um erro ao ser corrigida ({type(exc).__name__}: "
                           f"{exc}). Confira o tipo do valor pedido no enunciado.")


def check(ident: str, answer: Any) -> Feedback:
    """Corrige ``answer`` no exercício ``ident`` (corretores síncronos)."""
    fn = _grader(ident)
    if inspect.iscoroutinefunction(fn):
        raise TypeError(f"O exercício {ident} é assíncrono: use `await check_async(...)`.")
    try:
        fn(answer)
    except Hint as hint:
        return Feedback(False, f"Ainda não. {hint}")
    except Exception as exc:
        return _wrong_type(exc)
    return Feedback(True, f"Correto! Exercício {ident} resolvido.")


async def check_async(ident: str, answer: Any) -> Feedback:
    """Corrige ``answer`` no exercício ``ident``; aceita corretores ``async`` (que usam a rede)."""
    fn = _grader(ident)
    try:
        result = fn(answer)
        if inspect.isawaitable(result):
            await result
    except Hint as hint:
        return Feedback(False, f"Ainda não. {hint}")
    except Exception as exc:
        return _wrong_type(exc)
    return Feedback(True, f"Correto! Exercício {ident} resolvido.")
