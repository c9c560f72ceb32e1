"""Medições: memória por conexão, latência e os desenhos que mostram os números.

Introduzido no notebook 06 (Uso consciente).

* ``echo_process.py none|deflate`` (rodado por caminho) é um servidor de eco ``websockets`` num
  processo separado (para medir a memória **dele**, sem misturar com a do kernel), que imprime a
  porta. Com ``deflate``, quem pede compressão a recebe e quem não pede fica sem: um processo só
  mede os dois casos. O mesmo servidor responde ``GET /poll`` como um endpoint HTTP de polling
  comum (via ``process_request``), para comparar com o custo de um cliente de polling.
* ``MeasuredServer`` é esse processo como recurso do registro, com ``rss()`` (memória residente,
  via ``psutil``) e ``established()`` (conexões TCP abertas).
* ``open_idle`` abre N conexões WebSocket paradas; ``summary`` resume uma lista de tempos.
* Os gráficos das medidas são do matplotlib, em ``helpers.widgets.plot``.
* ``Progress`` é uma barra de progresso (ipywidgets) com ``__repr__`` estável.

A documentação do ``websockets`` (página "Memory and buffers") estima ≈ 14 KiB por conexão sem
compressão e ≈ 64 KiB com permessage-deflate (RFC 7692) nas configurações padrão.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import Sequence

from ..core.lifecycle import SubprocessServer

__all__ = [
    "MeasuredServer",
    "Progress",
    "idle_kib",
    "open_idle",
    "summary",
]


# --- o servidor medido (num subprocesso) -------------------------------------------------------


class MeasuredServer(SubprocessServer):
    """Servidor de eco num subprocesso; ``compression`` é ``None`` ou ``"deflate"`` (este atende
    também, sem compressão, os clientes que não a pedem)."""

    what = "O servidor medido"

    def __init__(self, compression: str | None = None):
        import pathlib

        from ..core.lifecycle import Process

        super().__init__("helpers.experiments.echo_process", startup_timeout=15.0)
        script = pathlib.Path(__file__).with_name("echo_process.py")  # por caminho: sobe mais rápido
        self.process = Process(sys.executable, str(script), compression or "none",
                               env={"PYTHONUNBUFFERED": "1"})
        self.compression = compression

    def rss(self) -> int:
        """Memória residente (bytes) do processo servidor agora."""
        import psutil

        return psutil.Process(self.pid).memory_info().rss

    def established(self) -> int:
        """Quantas conexões TCP o servidor tem abertas (ESTABLISHED) neste instante."""
        import psutil

        conns = psutil.Process(self.pid).net_connections(kind="tcp")
        return sum(1 for c in conns if c.status == psutil.CONN_ESTABLISHED)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def __repr__(self) -> str:
        return f"MeasuredServer(compression={self.compression!r})"


async def open_idle(url: str, n: int, *, compression: str | None = None, progress=None,
                    batch: int = 20) -> list:
    """Abre ``n`` conexões WebSocket que ficam paradas (sem ping); devolve a lista delas."""
    from websockets.asyncio.client import connect

    conns = []
    try:
        while len(conns) < n:
            k = min(batch, n - len(conns))
            conns += await asyncio.gather(*(
                connect(url, compression=compression, ping_interval=None, open_timeout=10)
                for _ in range(k)))
            if progress is not None:
                progress.value = len(conns)
    except BaseException:
        await close_all(conns)
        raise
    return conns


async def idle_kib(server: "MeasuredServer", n: int, variants: dict[str, str | None],
                   warmup: int = 20) -> dict[str, float]:
    """KiB de memória residente que o servidor ganha por conexão parada, para cada variante
    (nome → ``compression`` do cliente), abrindo ``n`` conexões de cada uma.

    Antes, ``warmup`` conexões descartáveis (a primeira vez aloca caches que não são por
    conexão). Todas ficam abertas até o fim: memória solta por uma variante e reaproveitada pela
    seguinte esconderia parte do custo desta.
    """
    from .polling import wait_until

    out, opened = {}, await open_idle(server.url, warmup)
    try:
        for name, compression in variants.items():
            before = server.rss()
            opened += await open_idle(server.url, n, compression=compression)
            await wait_until(lambda: server.established() >= len(opened), 10)
            out[name] = (server.rss() - before) / n / 1024
        return out
    finally:
        await close_all(opened)


async def close_all(conns: Sequence) -> None:
    """Fecha todas as conexões da lista (em paralelo)."""
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Mediana, p90, p99 e média de uma lista de tempos (mesma unidade da lista)."""
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {"median": statistics.median(ordered), "p90": pct(0.9), "p99": pct(0.99),
            "mean": statistics.fmean(ordered)}


# --- widgets ---------------------------------------------------------------------------------


def Progress(total: int, description: str = ""):
    """Uma barra de progresso (``ipywidgets.IntProgress``) com ``__repr__`` estável."""
    import ipywidgets as widgets

    class _Progress(widgets.IntProgress):
        def __repr__(self) -> str:
            return f"Progress({self.description!r}, total={self.max})"

    return _Progress(value=0, min=0, max=max(1, total), description=description,
                     style={"description_width": "initial"})


