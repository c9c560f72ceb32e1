"""Estatística pequena e pura, usada por quem mede (capítulo 07, painel da turma, benchmark, soak)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["percentile"]


def percentile(values: Sequence[float], p: float) -> float:
    """Percentil ``p`` (0–100) pelo método do posto mais próximo (*nearest rank*); ``nan`` sem valores.

    É sempre um dos valores medidos: o p99 de 100 atrasos é o 99º menor.

    >>> percentile([4, 1, 3, 2], 50), percentile(list(range(1, 101)), 99)
    (2, 99)
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
