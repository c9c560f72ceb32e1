"""Gráficos das medições com matplotlib: linhas, barras, histogramas, degraus e linha do tempo.

Introduzido no notebook 06 (Uso consciente: memória, latência, fantasmas, reconexões) e usado no
07 (Escala: as quatro técnicas lado a lado, a latência conforme os clientes crescem).

Cada função devolve uma ``matplotlib.figure.Figure`` comum: a última linha da célula a mostra,
e quem quiser muda o que quiser antes (``fig.axes[0].set_ylim(0, 50)``) ou usa o mesmo estilo
nos próprios gráficos (``with plt.style.context(plot.STYLE): ...``). Nada aqui muda o estilo
global do matplotlib.

O que o estilo garante:

* **cores para todos**: a paleta de Okabe e Ito (a mesma de ``helpers.widgets.svg``), legível por quem
  não distingue vermelho de verde; e cada série tem também o seu marcador, traço ou hachura, e
  um nome na legenda: a cor nunca é a única pista;
* **números em português**: vírgula decimal e ponto nos milhares, nos eixos e nos rótulos
  (``helpers.core.numbers``, o mesmo jeito do texto e da calculadora de custo);
* **saídas estáveis no nbval**: o notebook guarda a figura como PNG, que o nbval não compara, e
  o texto ``Gráfico: <título>``, que não muda com os números medidos (e vira o texto
  alternativo da imagem na exportação). Para quem salvar em SVG, ``svg.hashsalt`` fixa os ids e
  ``metadata={"Date": None}`` tira a data;
* **ao vivo**: ``live(fig)`` mostra a figura com um *display handle*; depois de desenhar mais
  pontos, ``handle.update(fig)`` troca a imagem no lugar (sem empilhar figuras na saída);
* **sem kernel**: a imagem fica na saída da célula, e a exportação estática (``helpers.export``)
  e os slides offline (``helpers.slides``) a mostram como qualquer imagem.

A tabela de medidas (``Table``) não é gráfico: é HTML num widget com ``__repr__`` estável.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from html import escape

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..core.numbers import decimal, exact, short
from .svg import PALETTE, SvgWidget

__all__ = [
    "MARKERS",
    "Chart",
    "PALETTE",
    "STYLE",
    "Table",
    "bars",
    "format_number",
    "hbars",
    "histogram",
    "line",
    "live",
    "steps",
    "table_html",
    "timeline",
]

MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", "-.", ":"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++"]

#: O estilo dos gráficos do curso (parâmetros ``rcParams`` do matplotlib).
STYLE = {
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE[:6], marker=MARKERS,
                                         linestyle=LINESTYLES + LINESTYLES[:2]),
    "figure.figsize": (6.4, 3.0),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e6e6e6",
    "legend.frameon": False,
    "lines.linewidth": 2,
    "lines.markersize": 6,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "curso",
    "svg.fonttype": "none",
}


format_number = short  # o nome que os capítulos usam (``numero = plot.format_number``)


def _tick(value: float, _pos=None) -> str:
    """Rótulo de uma marca de eixo: o valor exato, curto, com vírgula (``0,25``, ``1,75``, ``3.400``)."""
    return decimal(value) if abs(value) >= 1000 and value == int(value) else exact(value)


_COMMA = FuncFormatter(_tick)


def _styled(draw):
    """Monta a figura dentro do estilo do curso. O matplotlib lê o estilo quando cria cada peça,
    e algumas (as marcas dos eixos) só nascem no primeiro desenho: por isso ``Chart.draw`` desenha
    dentro do mesmo estilo (em vez de um desenho a mais aqui, que custava ≈ 0,1 s por gráfico)."""

    @functools.wraps(draw)
    def styled(*args, **kwargs) -> Figure:
        with plt.style.context(STYLE):
            return draw(*args, **kwargs)

    return styled


class Chart(Figure):
    """Uma ``Figure`` do matplotlib cujo texto diz o que ela mostra: ``Gráfico: <título>``.

    É esse texto que o nbval compara (a imagem PNG ele não compara) e que a exportação estática
    usa como texto alternativo da imagem, para leitores de tela. Ela se desenha sempre no estilo
    do curso (``STYLE``), sem mudar o estilo global.
    """

    def draw(self, renderer) -> None:
        with plt.style.context(STYLE):
            super().draw(renderer)

    def __repr__(self) -> str:
        titles = [ax.get_title(loc) for ax in self.axes[:1] for loc in ("left", "center", "right")]
        title = next((t for t in titles if t), "")
        return f"Gráfico: {title}" if title else super().__repr__()


def _figure(title: str, x_label: str = "", y_label: str = "", height: float = 3.0) -> tuple[Chart, object]:
    """Uma figura nova, fora da lista de figuras abertas do pyplot (senão o backend do Jupyter
    a mostraria de novo no fim da célula)."""
    fig, ax = plt.subplots(figsize=(STYLE["figure.figsize"][0], height), layout="constrained",
                           FigureClass=Chart)
    plt.close(fig)
    ax.set_title(title)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    return fig, ax


def _numbers_on(*axes) -> None:
    """Vírgula decimal nos eixos numéricos (os de categorias ficam com os nomes)."""
    for axis in axes:
        axis.set_major_formatter(_COMMA)


def _log_axis(axis) -> None:
    axis.set_major_formatter(_COMMA)
    axis.set_minor_formatter(NullFormatter())


def _legend(ax, outside: bool = True) -> None:
    if ax.get_legend_handles_labels()[0]:
        if outside:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        else:
            ax.legend()


@_styled
def line(series: Mapping[str, Sequence[tuple[float, float]]], *, title: str, x_label: str = "",
         y_label: str = "", log_y: bool = False) -> Figure:
    """Uma linha por série (``{nome: [(x, y), ...]}``), cada uma com cor, marcador e traço próprios.

    >>> fig = line({"p50": [(10, 1.0), (50, 2.5)]}, title="Atraso", x_label="clientes", y_label="ms")
    """
    fig, ax = _figure(title, x_label, y_label)
    for name, points in series.items():
        xs, ys = zip(*points) if points else ((), ())
        ax.plot(xs, ys, label=name)
    _numbers_on(ax.xaxis, ax.yaxis)
    if log_y:
        ax.set_yscale("log")
        _log_axis(ax.yaxis)
    else:
        ax.set_ylim(bottom=0)
    _legend(ax)
    return fig


@_styled
def bars(groups: Mapping[str, Mapping[str, float]], *, title: str, y_label: str = "",
         log: bool = False) -> Figure:
    """Barras agrupadas: ``{grupo: {série: valor}}`` (por exemplo, técnica → p50, p95). Cada série
    tem cor e hachura próprias. ``log=True``: escala logarítmica (ordens de grandeza diferentes)."""
    names = list(dict.fromkeys(s for g in groups.values() for s in g))
    fig, ax = _figure(title, "", y_label)
    width = 0.8 / max(1, len(names))
    for si, name in enumerate(names):
        xs = [gi + (si - (len(names) - 1) / 2) * width for gi, g in enumerate(groups.values()) if name in g]
        ys = [g[name] for g in groups.values() if name in g]
        ax.bar(xs, ys, width * 0.95, label=name, color=PALETTE[si % len(PALETTE)],
               hatch=HATCHES[si % len(HATCHES)], edgecolor="white")
    ax.set_xticks(range(len(groups)), list(groups))
    ax.grid(axis="x", visible=False)
    _numbers_on(ax.yaxis)
    if log:
        ax.set_yscale("log")
        _log_axis(ax.yaxis)
        positive = [v for g in groups.values() for v in g.values() if v > 0]
        if positive:  # o eixo começa na potência de 10 abaixo da menor barra: todas têm base
            ax.set_ylim(bottom=10 ** math.floor(math.log10(min(positive))))
    _legend(ax)
    return fig


@_styled
def hbars(values: Mapping[str, float], *, title: str, unit: str = "") -> Figure:
    """Uma barra horizontal por item, com o valor escrito na ponta (``{nome: valor}``)."""
    fig, ax = _figure(title, unit, "", height=0.6 + 0.55 * max(1, len(values)))
    names = list(values)[::-1]
    drawn = ax.barh(names, [values[n] for n in names], height=0.6,
                    color=[PALETTE[i % len(PALETTE)] for i in range(len(names))][::-1],
                    hatch=[HATCHES[i % len(HATCHES)] for i in range(len(names))][::-1],
                    edgecolor="white")
    ax.bar_label(drawn, labels=[f"{format_number(values[n])} {unit}".strip() for n in names],
                 padding=4)
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.15)
    _numbers_on(ax.xaxis)
    return fig


@_styled
def histogram(series: Mapping[str, Sequence[float]], *, title: str, unit: str = "µs",
              scale: float = 1e6, bins: int = 30, log_x: bool = True,
              x_label: str = "tempo de ida e volta", normalize: bool = True) -> Figure:
    """Histogramas sobrepostos, um por série; eixo x em ``unit`` (valores × ``scale``).

    Cada série é uma área translúcida com contorno em degrau, hachura e traço próprios.
    ``normalize``: cada série em fração do seu total (senão, contagens)."""
    values = {k: [v * scale for v in vs if v > 0] for k, vs in series.items()}
    every = [v for vs in values.values() for v in vs] or [1.0]
    lo, hi = min(every), max(every)
    if log_x:
        hi = hi if hi > lo else lo * 10
        edges = [lo * (hi / lo) ** (k / bins) for k in range(bins + 1)]
    else:
        lo = min(lo, 0.0)
        hi = hi if hi > lo else lo + 1
        edges = [lo + (hi - lo) * k / bins for k in range(bins + 1)]
    note = ", escala log" if log_x else ""
    fig, ax = _figure(title, f"{x_label} ({unit}{note})", "fração" if normalize else "contagem")
    for i, (name, vs) in enumerate(values.items()):
        weights = [1 / len(vs)] * len(vs) if normalize and vs else None
        color = PALETTE[i % len(PALETTE)]
        ax.hist(vs, bins=edges, weights=weights, histtype="stepfilled", alpha=0.35, color=color,
                hatch=HATCHES[i % len(HATCHES)], edgecolor=color)
        ax.hist(vs, bins=edges, weights=weights, histtype="step", color=color,
                linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=1.8, label=name)
    _numbers_on(ax.xaxis, ax.yaxis)
    if log_x:
        ax.set_xscale("log")
        _log_axis(ax.xaxis)
    _legend(ax)
    return fig


@_styled
def steps(series: Mapping[str, Sequence[tuple[float, float]]], *, title: str, x_label: str = "",
          y_label: str = "") -> Figure:
    """Curvas em degrau (ex.: conexões abertas ao longo do tempo), com marcador em cada amostra."""
    fig, ax = _figure(title, x_label, y_label)
    for name, points in series.items():
        xs, ys = zip(*points) if points else ((), ())
        ax.step(xs, ys, where="post", label=name, markevery=max(1, len(xs) // 10))
    _numbers_on(ax.xaxis, ax.yaxis)
    ax.set_ylim(bottom=0)
    _legend(ax)
    return fig


@_styled
def timeline(rows: Mapping[str, Sequence[float]], *, title: str, x_label: str = "tempo (s)") -> Figure:
    """Uma fila de traços por origem de eventos (cada evento, um traço no seu instante)."""
    fig, ax = _figure(title, x_label, "", height=0.9 + 0.5 * max(1, len(rows)))
    names = list(rows)
    t0 = min((t for r in rows.values() for t in r), default=0.0)
    ax.eventplot([[t - t0 for t in rows[n]] for n in names], lineoffsets=range(len(names)),
                 linelengths=0.6, colors=[PALETTE[i % len(PALETTE)] for i in range(len(names))],
                 linestyles=[LINESTYLES[i % len(LINESTYLES)] for i in range(len(names))],
                 linewidths=1.6)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    _numbers_on(ax.xaxis)
    ax.grid(axis="y", visible=False)
    return fig


def live(fig: Figure):
    """Mostra ``fig`` e devolve o *display handle*: ``handle.update(fig)`` redesenha a mesma
    saída no lugar (para um gráfico que cresce durante a medição)."""
    from IPython.display import display

    return display(fig, display_id=True)


def table_html(columns: Sequence[str], rows: Sequence[Sequence]) -> str:
    """Uma tabela HTML simples; números passam por ``format_number``. Função pura."""
    def cell(value) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = format_number(value) if math.isfinite(value) else "–"
            return f'<td class="num">{text}</td>'
        return f"<td>{escape(str(value))}</td>"

    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table class="curso-plot-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Table(SvgWidget):
    """Uma tabela de medidas, com ``__repr__`` estável (os números medidos ficam só no desenho,
    não no texto que o nbval compara). Mostrada pelo mesmo renderizador dos desenhos
    (``helpers.widgets.svg``): o trait ``svg`` leva a tabela em HTML, e a exportação estática a mostra.

    >>> Table(["técnica", "p50 (ms)"], [["SSE", 4.2]])
    Table(colunas=['técnica', 'p50 (ms)'], linhas=['SSE'])
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence], title: str = "", **kw):
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        super().__init__(title=title, css_class="curso-table", **kw)

    def draw(self) -> str:
        return table_html(self.columns, self.rows)

    def __repr__(self) -> str:
        return f"Table(colunas={self.columns!r}, linhas={[str(r[0]) for r in self.rows]!r})"
