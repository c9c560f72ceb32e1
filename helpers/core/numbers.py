"""Números para o aluno ler, no jeito brasileiro: vírgula nos decimais, ponto nos milhares.

A casa única disso no curso: gráficos e tabelas (``helpers.widgets.plot``), a calculadora de
custo, o painel da turma, a cascata, o diagrama e os relatórios do ataque escrevem números com
estas funções, então ``3.400`` num gráfico é ``3.400`` no texto ao lado. Funções puras.
"""

from __future__ import annotations

__all__ = ["decimal", "exact", "short"]


def decimal(value: float, decimals: int = 0) -> str:
    """Com ``decimals`` casas fixas: ``14.400.000``, ``166,7``, ``1.234,50``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def exact(value: float) -> str:
    """O valor como foi dado, sem zeros à direita: ``0,5``, ``30``, ``1,25`` (limites, janelas,
    esperas que o aluno ou o instrutor escolheram)."""
    return f"{value:g}".replace(".", ",")


def short(value: float) -> str:
    """Curto, só com a precisão que conta: ``1,5``, ``2``, ``12``, ``3.400``, ``0,023``.

    Abaixo de um milésimo, ``0``: nada de ``6,2e-07`` no meio de uma frase para o aluno.
    """
    magnitude = abs(value)
    if magnitude < 0.001:
        return "0"
    if magnitude >= 10:
        return decimal(value)
    if magnitude >= 1:
        return decimal(value, 1).removesuffix(",0")
    return f"{value:.2g}".replace(".", ",")
