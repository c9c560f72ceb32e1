"""Medições: memória por conexão, latência e os desenhos que mostram os números.

Introduzido no notebook 06 (Uso consciente).

* ``python -m helpers.experiments.measure none|deflate`` roda um servidor de eco ``websockets`` num processo
  separado (para medir a memória **dele**, sem misturar com a do kernel) e imprime a porta. O
  mesmo servidor responde ``GET /poll`` como um endpoint HTTP de polling comum (via
  ``process_request``), para comparar com o custo de um cliente de polling.
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


async def _serve(compression: str | None) -> None:
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    async def echo(ws):
        try:
            async for message in ws:
                await ws.send(message)
        except Exception:
            pass

    def poll(connection, request):
        if request.path.startswith("/poll"):
            body = b"nada novo\n"
            headers = Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return Response(200, "OK", headers, body)
        return None

    async with serve(echo, "127.0.0.1", 0, compression=compression, ping_interval=None,
                     process_request=poll) as server:
        print(f"PORTA {server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Event().wait()  # roda até o processo ser terminado


class MeasuredServer(SubprocessServer):
    """Servidor de eco num subprocesso; ``compression`` é ``None`` ou ``"deflate"``."""

    what = "O servidor medido"

    def __init__(self, compression: str | None = None):
        super().__init__("helpers.experiments.measure", compression or "none", startup_timeout=15.0)
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


async def idle_kib(server: "MeasuredServer", n: int, *, compression: str | None = None,
                   warmup: int = 20) -> float:
    """KiB de memória residente que o servidor ganhou por conexão parada, abrindo ``n`` conexões.

    Antes, ``warmup`` conexões descartáveis (a primeira vez aloca caches que não são por conexão).
    """
    from .polling import wait_until

    warm = await open_idle(server.url, warmup, compression=compression)
    before = server.rss()
    conns = await open_idle(server.url, n, compression=compression)
    try:
        await wait_until(lambda: server.established() >= n + warmup, 10)
        return (server.rss() - before) / n / 1024
    finally:
        await close_all(warm + conns)


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


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else "none"
    asyncio.run(_serve(None if arg == "none" else "deflate"))
