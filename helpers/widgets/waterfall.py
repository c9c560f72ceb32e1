"""Cascata de tempos (*waterfall*): cada etapa de uma visita é uma barra no eixo do tempo.

Introduzido no notebook 02, para a linha do tempo DNS → TCP → HTTP que o navegador percorre
(é o mesmo desenho da aba *Network* das ferramentas do desenvolvedor).

Como o diagrama de sequência, o desenho (SVG) é feito aqui em Python por uma função pura
(``render_svg``, com o construtor ``helpers.widgets.svg.Svg``) e só exibido pelo renderizador comum
(``helpers.widgets.svg.SvgWidget``); o estado final fica no notebook, e a exportação estática mostra o
mesmo desenho sem kernel.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import traitlets

from ..core.numbers import decimal
from .svg import PALETTE, Svg, SvgWidget

__all__ = ["Waterfall", "format_duration", "render_svg", "steps_from_marks"]

WIDTH = 760
LABEL = 170  # coluna dos nomes das etapas
RIGHT = 90  # espaço para a duração escrita depois da barra
TOP = 46
ROW = 30


def format_duration(seconds: float) -> str:
    """Duração legível, com vírgula decimal: ``850 µs``, ``1,2 ms``, ``35 ms``, ``1,50 s``."""
    if seconds >= 1:
        return f"{decimal(seconds, 2)} s"
    if seconds >= 0.01:
        return f"{decimal(seconds * 1e3)} ms"
    if seconds >= 0.001:
        return f"{decimal(seconds * 1e3, 1)} ms"
    return f"{decimal(seconds * 1e6)} µs"


def _tick_step(total: float) -> float:
    raw = total / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def render_svg(title: str, steps: list[dict]) -> str:
    """Desenha a cascata como SVG. Função pura: mesmas entradas, mesmo texto.

    Cada etapa é um dicionário com ``name``, ``start`` e ``end`` (segundos, qualquer origem:
    o eixo começa na etapa que começa primeiro). Cada barra tem o nome da etapa à esquerda e a
    duração à direita: a cor só enfeita (quem não distingue cores lê tudo igual).
    """
    t0 = min((s["start"] for s in steps), default=0.0)
    total = max((s["end"] for s in steps), default=0.0) - t0
    span = total if total > 0 else 1e-6
    area = WIDTH - LABEL - RIGHT
    height = TOP + ROW * len(steps) + 34
    svg = Svg(WIDTH, height, label=title or "cascata de tempos", class_="curso-waterfall-svg",
              font="sans-serif", font_size=13)
    if title:
        svg.text(8, 16, title, font_weight="bold")
    step = _tick_step(span)
    for i in range(int(span / step + 1e-9) + 1):
        x = LABEL + i * step / span * area
        svg.line(x, TOP - 8, x, height - 30, stroke="#e3e3e3")
        svg.text(x, TOP - 12, format_duration(i * step).replace(",0 ", " ") if i else "0",
                 text_anchor="middle", fill="#777", font_size=11)
    for row, s in enumerate(steps):
        y = TOP + ROW * row
        x = LABEL + (s["start"] - t0) / span * area
        width = max(1.5, (s["end"] - s["start"]) / span * area)
        duration = format_duration(s["end"] - s["start"])
        with svg.group(class_="step", tooltip=f"{s['name']}: {duration}"):
            svg.text(8, y + 18, s["name"])
            svg.rect(x, y + 5, width, 18, class_="bar", rx=3, fill=PALETTE[row % len(PALETTE)])
            svg.text(x + width + 6, y + 18, duration, fill="#333")
    svg.text(8, height - 10, f"total: {format_duration(total)}", font_weight="bold")
    return svg.render()


def steps_from_marks(start: float, marks: Iterable[tuple[str, float]]) -> list[dict]:
    """Etapas seguidas a partir de marcas de tempo: ``start`` e depois ``(nome, fim)`` de cada
    etapa, na ordem. Cada etapa começa onde a anterior terminou."""
    steps, previous = [], start
    for name, end in marks:
        steps.append({"name": name, "start": previous, "end": end})
        previous = end
    return steps


def _as_step(step) -> dict:
    if isinstance(step, dict):
        return {"name": str(step["name"]), "start": float(step["start"]), "end": float(step["end"])}
    name, start, end = step
    return {"name": str(name), "start": float(start), "end": float(end)}


class Waterfall(SvgWidget):
    """Cascata de tempos: uma barra por etapa. Passe o mouse numa barra para a duração exata.

    >>> cascata = Waterfall([("DNS", 0.0, 0.1), ("TCP", 0.1, 0.2)], title="Uma visita")
    >>> cascata.total
    0.2
    """

    _redraw_on = ("steps", "title")

    steps = traitlets.List().tag(sync=True)  # dicionários {"name", "start", "end"}

    def __init__(self, steps: Iterable = (), title: str = "", **kw):
        super().__init__(title=title, steps=[_as_step(s) for s in steps], css_class="curso-waterfall",
                         **kw)

    @traitlets.validate("steps")
    def _valid_steps(self, proposal):
        return [_as_step(s) for s in proposal["value"]]

    def draw(self) -> str:
        return render_svg(self.title, list(self.steps))

    def add(self, name: str, start: float, end: float) -> None:
        """Acrescenta uma etapa (instantes em segundos)."""
        self.steps = [*self.steps, {"name": name, "start": start, "end": end}]

    @property
    def total(self) -> float:
        """Do começo da primeira etapa ao fim da última (etapas em paralelo não somam)."""
        if not self.steps:
            return 0.0
        return max(s["end"] for s in self.steps) - min(s["start"] for s in self.steps)

    def durations(self) -> dict[str, float]:
        """Duração de cada etapa, pelo nome."""
        return {s["name"]: s["end"] - s["start"] for s in self.steps}

    def summary(self) -> str:
        """Uma linha de texto com as durações (para quem lê o notebook sem o desenho)."""
        parts = " · ".join(f"{name} {format_duration(d)}" for name, d in self.durations().items())
        return f"total {format_duration(self.total)}: {parts}"

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"Waterfall(title={self.title!r}, etapas={[s['name'] for s in self.steps]!r})"
