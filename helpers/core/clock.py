"""``ManualClock``: um relógio que só anda quando mandam (``relogio.advance(31)``).

Injetado onde o código recebe ``clock`` (os bilhetes do gateway, capítulo 07; o painel da turma,
capítulo 05; os limites do chat), deixa um teste ou um roteiro decidir que horas são, sem esperar.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ManualClock"]


@dataclass
class ManualClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
