"""Medições: memória por conexão, latência e os desenhos que mostram os números.

Introduzido no notebook 06 (Uso consciente).

* ``python -m helpers.experiments.measure none|deflate`` roda um servidor de eco ``websockets`` num processo
  separado (para medir a memória **dele**, sem misturar com a do kernel) e imprime a porta. O
  mesmo servidor responde ``GET /poll`` como um endpoint HTTP de polling comum (via
  ``process_request``), para comparar com o custo de um cliente de polling.
* ``MeasuredServer`` é esse processo como recurso do registro, com ``rss()`` (memória residente,
  via ``psutil``) e ``established()`` (conexões TCP abertas).
* ``open_idle`` abre N conexões WebSocket paradas; ``summary`` resume uma lista de tempos.
* ``histogram_svg``, ``lines_svg`` e ``timeline_svg`` desenham em SVG puro (sem matplotlib);
  ``Figure`` mostra um SVG num widget com ``__repr__`` estável (o nbval compara o texto, e
  números medidos mudam a cada execução).
* ``Progress`` é uma barra de progresso (ipywidgets) com ``__repr__`` estável.

A documentação do ``websockets`` (página "Memory and buffers") estima ≈ 14 KiB por conexão sem
compressão e ≈ 64 KiB com permessage-deflate (RFC 7692) nas configurações padrão.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from html import escape

from ..core.lifecycle import SubprocessServer

__all__ = [
    "Figure",
    "MeasuredServer",
    "Progress",
    "histogram_svg",
    "lines_svg",
    "open_idle",
    "summary",
    "timeline_svg",
]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


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


def Figure(svg: str, label: str):
    """Um SVG num widget; o texto (``label``) é o que o nbval compara."""
    import ipywidgets as widgets

    class _Figure(widgets.HTML):
        def __repr__(self) -> str:
            return f"Figura: {self.description_label}"

    fig = _Figure(value=svg)
    fig.description_label = label
    return fig


# --- desenhos em SVG --------------------------------------------------------------------------


def _frame(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">'
            f'<rect width="{width}" height="{height}" fill="white"/>'
            f'<text x="{width / 2}" y="16" text-anchor="middle" font-weight="bold">'
            f'{escape(title)}</text>' + "".join(body) + "</svg>")


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    out = []
    for i, name in enumerate(names):
        color = COLORS[i % len(COLORS)]
        out.append(f'<rect x="{x}" y="{y + 16 * i - 9}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{x + 14}" y="{y + 16 * i}">{escape(name)}</text>')
    return out


def _nice_step(span: float, target: int = 5) -> float:
    """Um passo "redondo" (1, 2, 2,5 ou 5 × 10^k) que divide ``span`` em ~``target`` partes."""
    raw = span / target if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def histogram_svg(series: dict[str, Sequence[float]], *, title: str, unit: str = "µs",
                  scale: float = 1e6, bins: int = 30, log_x: bool = True,
                  x_label: str = "tempo de ida e volta", normalize: bool = True,
                  width: int = 640, height: int = 260) -> str:
    """Histogramas sobrepostos (um por série); eixo x em ``unit`` (valores × ``scale``).

    ``normalize``: cada série em fração do seu total (senão, contagens)."""
    values = {k: [v * scale for v in vs if v > 0] for k, vs in series.items()}
    lo = min(min(v) for v in values.values())
    hi = max(max(v) for v in values.values())
    f = (math.log10 if log_x else (lambda v: v))
    if not log_x and lo >= 0:
        lo = 0.0  # eixo linear de quantidades positivas: começa no zero
    a, b = f(lo), f(hi) if hi > lo else f(lo) + 1
    left, right, top, bottom = 50, width - 160, 28, height - 36
    body = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>']
    counts = {}
    for name, vs in values.items():
        c = [0] * bins
        for v in vs:
            c[min(bins - 1, int((f(v) - a) / (b - a) * bins))] += 1
        counts[name] = [x / len(vs) for x in c] if normalize else c
    peak = max(max(c) for c in counts.values()) or 1
    bw = (right - left) / bins
    for i, (name, c) in enumerate(counts.items()):
        color = COLORS[i % len(COLORS)]
        for j, frac in enumerate(c):
            if frac:
                h = frac / peak * (bottom - top)
                body.append(f'<rect x="{left + j * bw:.1f}" y="{bottom - h:.1f}" width="{bw:.1f}" '
                            f'height="{h:.1f}" fill="{color}" fill-opacity="0.5"/>')
    ticks = [10 ** k for k in range(math.floor(a), math.ceil(b) + 1)] if log_x else \
        [k * _nice_step(hi - lo) for k in range(int(hi / _nice_step(hi - lo)) + 1)]
    for t in ticks:
        if a <= f(t) <= b:
            x = left + (f(t) - a) / (b - a) * (right - left)
            body.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="#333"/>'
                        f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{t:g}</text>')
    scale_note = ", escala log" if log_x else ""
    body.append(f'<text x="{(left + right) / 2}" y="{height - 4}" text-anchor="middle">'
                f'{escape(x_label)} ({escape(unit)}{scale_note})</text>')
    body += _legend(list(values), right + 14, top + 14)
    return _frame(width, height, body, title)


def lines_svg(series: dict[str, Sequence[tuple[float, float]]], *, title: str, x_label: str,
              y_label: str, width: int = 640, height: int = 240) -> str:
    """Curvas em degrau (ex.: conexões abertas ao longo do tempo)."""
    xs = [x for pts in series.values() for x, _ in pts] or [0, 1]
    ys = [y for pts in series.values() for _, y in pts] or [0, 1]
    x0 = math.floor(min(xs))
    x1 = max(xs) if max(xs) > x0 else x0 + 1
    y1 = max(ys) or 1
    left, right, top, bottom = 50, width - 170, 28, height - 36
    sx = lambda x: left + (x - x0) / (x1 - x0) * (right - left)  # noqa: E731
    sy = lambda y: bottom - y / y1 * (bottom - top)  # noqa: E731
    body = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#333"/>',
            f'<text x="{left - 6}" y="{sy(y1) + 4:.1f}" text-anchor="end">{y1:g}</text>',
            f'<text x="{left - 6}" y="{bottom + 4}" text-anchor="end">0</text>',
            f'<text x="{(left + right) / 2}" y="{height - 4}" text-anchor="middle">{escape(x_label)}</text>',
            f'<text x="12" y="{(top + bottom) / 2}" transform="rotate(-90 12 {(top + bottom) / 2})" '
            f'text-anchor="middle">{escape(y_label)}</text>']
    for k in range(int(x1 - x0) + 1):
        x = sx(x0 + k)
        body.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{x0 + k:g}</text>')
    for i, (name, pts) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        path, prev = [], None
        for x, y in pts:
            if prev is not None:
                path.append(f"L{sx(x):.1f},{sy(prev):.1f}")
            path.append(("M" if prev is None else "L") + f"{sx(x):.1f},{sy(y):.1f}")
            prev = y
        body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2"/>')
    body += _legend(list(series), right + 14, top + 14)
    return _frame(width, height, body, title)


def timeline_svg(rows: dict[str, Sequence[float]], *, title: str, width: int = 640,
                 height: int | None = None) -> str:
    """Uma linha do tempo por fila de eventos (cada evento, um traço no instante em segundos)."""
    height = height or 60 + 34 * len(rows)
    ts = [t for r in rows.values() for t in r] or [0, 1]
    t0, t1 = min(ts), max(ts) if max(ts) > min(ts) else min(ts) + 1
    left, right = 170, width - 20
    sx: Callable[[float], float] = lambda t: left + (t - t0) / (t1 - t0) * (right - left)  # noqa: E731
    body = []
    for i, (name, r) in enumerate(rows.items()):
        y = 40 + 34 * i
        color = COLORS[i % len(COLORS)]
        body.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{escape(name)}</text>'
                    f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#ccc"/>')
        body += [f'<line x1="{sx(t):.1f}" y1="{y - 10}" x2="{sx(t):.1f}" y2="{y + 10}" '
                 f'stroke="{color}" stroke-width="2"/>' for t in r]
    y = 40 + 34 * len(rows)
    body.append(f'<text x="{(left + right) / 2}" y="{y}" text-anchor="middle">tempo →</text>')
    return _frame(width, height, body, title)


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else "none"
    asyncio.run(_serve(None if arg == "none" else "deflate"))
