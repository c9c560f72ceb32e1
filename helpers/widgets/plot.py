"""Gráficos pequenos em SVG (linhas e barras), desenhados em Python e mostrados por um widget.

Introduzido no notebook 07 (Escala e gateways), para as medições lado a lado (latência das quatro
técnicas, p50/p99 conforme o número de clientes cresce).

Como ``helpers.widgets.waterfall``, o SVG é feito por funções puras (``line_svg``, ``bars_svg``: mesmas
entradas, mesmo texto) e o JavaScript (``static/plot.js``) só o exibe; o estado final fica no
notebook, e a exportação estática mostra o mesmo desenho sem kernel. Assim o curso não depende do
matplotlib para três gráficos.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Mapping, Sequence
from html import escape

import anywidget
import traitlets

__all__ = ["Chart", "Table", "bars_svg", "format_number", "line_svg", "nice_ticks", "table_html"]

_STATIC = pathlib.Path(__file__).parent.parent / "static"

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 34, 44
COLORS = ["#2e86c1", "#f39c12", "#27ae60", "#c0392b", "#8e44ad", "#009688"]


def format_number(value: float) -> str:
    """Número curto com vírgula decimal: ``1,5``, ``12``, ``3 400``, ``0,02``."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        text = f"{value:,.0f}".replace(",", " ")
    elif magnitude >= 10:
        text = f"{value:.0f}"
    elif magnitude >= 1:
        text = f"{value:.1f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2g}"
    return text.replace(".", ",")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Marcas 'redondas' (1, 2, 5 × 10^k) cobrindo ``[low, high]``."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _frame(title: str, x_label: str, y_label: str, height: int) -> list[str]:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="curso-plot-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12" role="img" '
        f'aria-label="{escape(title or "gráfico")}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    if title:
        out.append(f'<text x="8" y="18" font-weight="bold" font-size="13">{escape(title)}</text>')
    if x_label:
        out.append(f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.0f}" y="{height - 8}" '
                   f'text-anchor="middle" fill="#444">{escape(x_label)}</text>')
    if y_label:
        out.append(f'<text x="14" y="{TOP + (height - TOP - BOTTOM) / 2:.0f}" text-anchor="middle" '
                   f'fill="#444" transform="rotate(-90 14 {TOP + (height - TOP - BOTTOM) / 2:.0f})">'
                   f'{escape(y_label)}</text>')
    return out


def _y_axis(out: list[str], ticks: list[float], y_of, height: int) -> None:
    for t in ticks:
        y = y_of(t)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e6e6e6"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#666">'
                   f'{format_number(t)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{height - BOTTOM}" stroke="#999"/>')


def line_svg(title: str, series: Mapping[str, Sequence[tuple[float, float]]],
             x_label: str = "", y_label: str = "") -> str:
    """Uma linha por série; cada série é uma lista de pontos ``(x, y)``. Função pura."""
    points = [p for pts in series.values() for p in pts]
    xs = [p[0] for p in points] or [0.0, 1.0]
    ys = [p[1] for p in points] or [0.0, 1.0]
    x_ticks = nice_ticks(min(xs), max(xs))
    y_ticks = nice_ticks(0.0, max(ys))
    x0, x1, y1 = x_ticks[0], x_ticks[-1], y_ticks[-1]
    height = HEIGHT
    area_w, area_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def x_of(x):
        return LEFT + (x - x0) / ((x1 - x0) or 1) * area_w

    def y_of(y):
        return height - BOTTOM - y / (y1 or 1) * area_h

    out = _frame(title, x_label, y_label, height)
    _y_axis(out, y_ticks, y_of, height)
    for t in x_ticks:
        out.append(f'<text x="{x_of(t):.1f}" y="{height - BOTTOM + 16}" text-anchor="middle" '
                   f'fill="#666">{format_number(t)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{height - BOTTOM}" x2="{WIDTH - RIGHT}" '
               f'y2="{height - BOTTOM}" stroke="#999"/>')
    for i, (name, pts) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        path = " ".join(f"{x_of(x):.1f},{y_of(y):.1f}" for x, y in pts)
        out.append(f'<g class="serie"><polyline points="{path}" fill="none" stroke="{color}" '
                   f'stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{x_of(x):.1f}" cy="{y_of(y):.1f}" r="3.5" fill="{color}">'
                       f'<title>{escape(name)}: x={format_number(x)}, y={format_number(y)}</title></circle>')
        ly = TOP + 10 + 18 * i
        out.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{ly - 8}" width="14" height="4" fill="{color}"/>'
                   f'<text x="{WIDTH - RIGHT + 32}" y="{ly - 2}">{escape(name)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def bars_svg(title: str, groups: Mapping[str, Mapping[str, float]], y_label: str = "",
             log: bool = False) -> str:
    """Barras agrupadas: ``{grupo: {série: valor}}`` (por exemplo, técnica → p50, p95). Função
    pura. ``log=True`` usa escala logarítmica (valores de ordens de grandeza diferentes)."""
    names = list(dict.fromkeys(s for g in groups.values() for s in g))
    values = [v for g in groups.values() for v in g.values() if v > 0] or [1.0]
    height = HEIGHT
    area_w, area_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    if log:
        lo = 10 ** math.floor(math.log10(min(values)))
        hi = 10 ** math.ceil(math.log10(max(values)))
        if hi <= lo:
            hi = lo * 10
        ticks = [lo * 10 ** k for k in range(round(math.log10(hi / lo)) + 1)]

        def y_of(v):
            v = max(v, lo)
            return height - BOTTOM - math.log10(v / lo) / math.log10(hi / lo) * area_h
    else:
        ticks = nice_ticks(0.0, max(values))

        def y_of(v):
            return height - BOTTOM - v / (ticks[-1] or 1) * area_h

    out = _frame(title, "", y_label, height)
    _y_axis(out, ticks, y_of, height)
    slot = area_w / max(1, len(groups))
    bar = min(28.0, slot * 0.8 / max(1, len(names)))
    for gi, (group, data) in enumerate(groups.items()):
        gx = LEFT + gi * slot + (slot - bar * len(names)) / 2
        out.append(f'<text x="{LEFT + gi * slot + slot / 2:.1f}" y="{height - BOTTOM + 16}" '
                   f'text-anchor="middle" fill="#333">{escape(group)}</text>')
        for si, name in enumerate(names):
            if name not in data:
                continue
            v = data[name]
            y = y_of(v)
            out.append(f'<rect class="bar" x="{gx + si * bar:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                       f'height="{height - BOTTOM - y:.1f}" fill="{COLORS[si % len(COLORS)]}">'
                       f'<title>{escape(group)} · {escape(name)}: {format_number(v)}</title></rect>')
    for si, name in enumerate(names):
        ly = TOP + 10 + 18 * si
        out.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{ly - 10}" width="12" height="12" '
                   f'fill="{COLORS[si % len(COLORS)]}"/><text x="{WIDTH - RIGHT + 30}" y="{ly}">'
                   f'{escape(name)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{height - BOTTOM}" x2="{WIDTH - RIGHT}" '
               f'y2="{height - BOTTOM}" stroke="#999"/></svg>')
    return "".join(out)


class Chart(anywidget.AnyWidget):
    """Um gráfico SVG pronto (de ``line_svg`` ou ``bars_svg``); passe o mouse para os valores.

    >>> Chart.line("Latência", {"p50": [(10, 1.0), (20, 1.5)]})
    Chart(title='Latência', series=['p50'])
    """

    _esm = _STATIC / "plot.js"
    _css = _STATIC / "plot.css"

    title = traitlets.Unicode("").tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)

    def __init__(self, svg: str = "", title: str = "", series: Sequence[str] = (), **kw):
        super().__init__(svg=svg, title=title, **kw)
        self.series = list(series)

    @classmethod
    def line(cls, title: str, series: Mapping[str, Sequence[tuple[float, float]]],
             x_label: str = "", y_label: str = "") -> Chart:
        return cls(line_svg(title, series, x_label, y_label), title, list(series))

    @classmethod
    def bars(cls, title: str, groups: Mapping[str, Mapping[str, float]], y_label: str = "",
             log: bool = False) -> Chart:
        names = list(dict.fromkeys(s for g in groups.values() for s in g))
        return cls(bars_svg(title, groups, y_label, log), title, names)

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"Chart(title={self.title!r}, series={self.series!r})"


def table_html(columns: Sequence[str], rows: Sequence[Sequence]) -> str:
    """Uma tabela HTML simples; números passam por ``format_number``. Função pura."""
    def cell(value) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f'<td class="num">{format_number(value)}</td>'
        return f"<td>{escape(str(value))}</td>"

    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table class="curso-plot-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Table(Chart):
    """Uma tabela de medidas, com ``__repr__`` estável (os números medidos ficam só no desenho,
    não no texto que o nbval compara).

    >>> Table(["técnica", "p50 (ms)"], [["SSE", 4.2]])
    Table(colunas=['técnica', 'p50 (ms)'], linhas=['SSE'])
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence], title: str = "", **kw):
        super().__init__(table_html(columns, rows), title, [str(r[0]) for r in rows], **kw)
        self.columns = list(columns)

    def __repr__(self) -> str:
        return f"Table(colunas={self.columns!r}, linhas={self.series!r})"
