"""O kit de SVG do curso: um construtor (``Svg``), uma base de widget (``SvgWidget``) e um único
renderizador em JavaScript (``static/svg.js``), para os desenhos que nenhuma biblioteca faz.

Usado pelo diagrama de sequência (notebook 01 em diante), pela cascata de tempos (notebook 02),
pelo dissecador de frames (notebook 04), pela caixa de chat e pelas figuras de ``images/``
(``scripts/gerar_imagens.py``). Gráficos de dados (linhas, barras, histogramas) não passam por
aqui: são do matplotlib (``helpers.widgets.plot``).

Teoria de operação
------------------
O desenho é feito em Python por funções puras que recebem o estado e devolvem o texto do SVG
(mesmas entradas, mesmos bytes: o nbval e os testes comparam sem surpresa). O widget guarda esse
texto no trait ``svg``; o JavaScript só o insere na página e, se o widget tiver ``items`` e
``selected``, mostra os detalhes do item clicado (um elemento com ``data-pick`` e ``data-i``).
Como o desenho final fica salvo no notebook, a exportação estática (``helpers.export``) e os
slides offline (``helpers.slides``) mostram o mesmo SVG sem kernel e sem JavaScript.

>>> s = Svg(200, 40, label="exemplo")
>>> s.text(8, 20, "olá <mundo>")
>>> s.render().count("&lt;mundo&gt;")
1
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator
from html import escape

import anywidget
import traitlets

__all__ = ["FONT", "MONO", "PALETTE", "Svg", "SvgWidget", "number"]

_STATIC = pathlib.Path(__file__).parent.parent / "static"

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
MONO = "DejaVu Sans Mono, Consolas, Menlo, monospace"

#: Paleta de Okabe e Ito (2008), legível por quem não distingue vermelho de verde. A mesma de
#: ``helpers.widgets.plot`` (gráficos do matplotlib): azul, laranja, verde-azulado, rosa, azul-céu,
#: vermelhão, amarelo.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]


def number(value) -> str:
    """Um número para um atributo SVG: no máximo uma casa decimal, sem ``.0`` sobrando."""
    if type(value) is float:
        text = f"{value:.1f}"
        if text.endswith(".0"):
            text = text[:-2]
        return "0" if text == "-0" else text
    return str(value)


def _attrs(attrs: dict) -> str:
    """``{"stroke_width": 2, "class_": "x"}`` → `` class="x" stroke-width="2"`` (a classe primeiro).

    Chamada para cada elemento de cada desenho (o diagrama redesenha a cada mensagem): por isso
    sem nada além do necessário."""
    out = ""
    cls = attrs.pop("class_", None)
    if cls is not None:
        out = f' class="{escape(cls)}"'
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = _NAMES.get(key)
        if name is None:
            name = _NAMES[key] = key.rstrip("_").replace("_", "-")
        kind = type(value)
        if kind is str:
            out += f' {name}="{escape(value)}"'
        elif kind is float:
            out += f' {name}="{number(value)}"'
        elif value is True:
            out += f' {name}="{name}"'
        else:
            out += f' {name}="{value}"'
    return out


_NAMES: dict[str, str] = {}


class Svg:
    """Um desenho SVG montado peça por peça; ``render()`` devolve o texto.

    Os atributos vão como argumentos nomeados (``font_size=12`` vira ``font-size="12"``;
    ``class_="x"`` vira ``class="x"``; ``None`` omite o atributo) e todo texto passa por
    ``html.escape``: uma mensagem com ``<script>`` vira texto, nunca marcação.

    ``title`` + ``description`` viram ``<title>``/``<desc>`` (figuras autônomas, lidas por leitores
    de tela); ``label`` vira ``aria-label`` (desenhos dentro de uma página).
    """

    def __init__(self, width: float, height: float, *, title: str = "", description: str = "",
                 label: str | None = None, class_: str | None = None, font: str | None = None,
                 font_size: float | None = None, background: str | None = "white"):
        self.width, self.height = width, height
        self.title, self.description, self.label = title, description, label
        self.class_, self.font, self.font_size = class_, font, font_size
        self.background = background
        self.parts: list[str] = []
        self.markers: dict[str, str] = {}

    # --- elementos ---------------------------------------------------------------------------

    def element(self, tag: str, content: str | None = None, **attrs) -> None:
        """Qualquer elemento; ``content`` já é SVG (use ``text`` para texto do usuário)."""
        if content is None:
            self.parts.append(f"<{tag}{_attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{_attrs(attrs)}>{content}</{tag}>")

    def rect(self, x, y, width, height, **attrs) -> None:
        self.element("rect", x=x, y=y, width=width, height=height, **attrs)

    def line(self, x1, y1, x2, y2, **attrs) -> None:
        self.element("line", x1=x1, y1=y1, x2=x2, y2=y2, **attrs)

    def text(self, x, y, s: str, *, spans: str = "", **attrs) -> None:
        """Um texto (escapado); ``spans`` acrescenta ``<tspan>`` já montados depois dele."""
        self.element("text", escape(str(s)) + spans, x=x, y=y, **attrs)

    @staticmethod
    def tspan(s: str, **attrs) -> str:
        return f"<tspan{_attrs(attrs)}>{escape(str(s))}</tspan>"

    def arrowhead(self, color: str = "context-stroke") -> str:
        """O id de um marcador de ponta de seta (um por cor), para ``marker_end="url(#id)"``."""
        name = "seta" if color == "context-stroke" else f"seta-{color.lstrip('#')}"
        self.markers[name] = (
            f'<marker id="{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
            f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{color}"/></marker>'
        )
        return name

    @contextlib.contextmanager
    def group(self, *, tooltip: str | None = None, **attrs) -> Iterator[None]:
        """``<g>`` com o que for desenhado dentro do ``with``; ``tooltip`` vira o ``<title>``
        (o texto que aparece ao passar o mouse)."""
        self.parts.append(f"<g{_attrs(attrs)}>")
        if tooltip:
            self.parts.append(f"<title>{escape(tooltip)}</title>")
        yield
        self.parts.append("</g>")

    # --- vocabulário dos diagramas -------------------------------------------------------------

    def box(self, x, y, w, h, label: str = "", *, fill="#eef3fb", stroke="#4a6fa5", size=14,
            weight="bold", rx=6, dashed=False, stroke_width=1.5) -> None:
        """Uma caixa; ``label`` (várias linhas com ``\\n``) centralizado, a 1ª linha em negrito."""
        self.rect(x, y, w, h, rx=rx, fill=fill, stroke=stroke, stroke_width=stroke_width,
                  stroke_dasharray="5 4" if dashed else None)
        lines = label.split("\n") if label else []
        first = y + h / 2 - (len(lines) - 1) * (size + 3) / 2 + size * 0.35
        for i, line in enumerate(lines):
            self.text(x + w / 2, first + i * (size + 3), line, font_size=size, text_anchor="middle",
                      font_weight=weight if i == 0 and weight != "normal" else None)

    def arrow(self, x1, y1, x2, y2, label: str = "", *, color="#1f4e79", width=2, dashed=False,
              size=13, above=True, both=False) -> None:
        """Uma seta com rótulo (em cima ou embaixo do meio); ``both``: ponta nos dois lados."""
        marker = self.arrowhead(color)
        self.line(x1, y1, x2, y2, stroke=color, stroke_width=width,
                  stroke_dasharray="7 4" if dashed else None, marker_end=f"url(#{marker})",
                  marker_start=f"url(#{marker})" if both else None)
        if label:
            y = min(y1, y2) - 7 if above else max(y1, y2) + size + 4
            self.text((x1 + x2) / 2, y, label, font_size=size, text_anchor="middle", fill=color)

    def card(self, x, y, lines: list[str], *, width=None, size=12, color="#24292f") -> float:
        """Um cartão com texto monoespaçado (bytes de um protocolo); devolve a altura."""
        width = width or max(len(s) for s in lines) * size * 0.62 + 16
        height = len(lines) * (size + 4) + 10
        self.box(x, y, round(width), height, fill="#f6f8fa", stroke="#d0d7de", rx=4)
        for i, s in enumerate(lines):
            self.text(x + 8, y + 4 + (i + 1) * (size + 4) - 3, s, font_size=size, font_family=MONO,
                      fill=color)
        return height

    def polyline(self, points: list[tuple[float, float]], label: str = "", *, color="#1f4e79",
                 width=2, size=12, arrow=True) -> None:
        """Uma linha em cotovelos (seta, se ``arrow``); o rótulo vai embaixo do segmento mais longo."""
        marker = self.arrowhead(color) if arrow else None
        self.element("polyline", points=" ".join(f"{number(x)},{number(y)}" for x, y in points),
                     fill="none", stroke=color, stroke_width=width,
                     marker_end=f"url(#{marker})" if marker else None)
        if label:
            (x1, y1), (x2, y2) = max(zip(points, points[1:]),
                                     key=lambda s: abs(s[0][0] - s[1][0]) + abs(s[0][1] - s[1][1]))
            self.text((x1 + x2) / 2, max(y1, y2) + size + 4, label, font_size=size,
                      text_anchor="middle", fill=color)

    def cylinder(self, x, y, w, h, label: str) -> None:
        """Um cilindro (banco de dados) com rótulo."""
        ry = 8
        self.element("path", d=f"M{number(x)},{number(y + ry)} a{number(w / 2)},{ry} 0 0,0 {number(w)},0 "
                     f"v{number(h - 2 * ry)} a{number(w / 2)},{ry} 0 0,1 {number(-w)},0 z",
                     fill="#fdf2e3", stroke="#b9770e", stroke_width=1.5)
        self.element("ellipse", cx=x + w / 2, cy=y + ry, rx=w / 2, ry=ry, fill="#fdf2e3",
                     stroke="#b9770e", stroke_width=1.5)
        for i, s in enumerate(label.split("\n")):
            self.text(x + w / 2, y + ry + 22 + i * 16, s, font_size=13, text_anchor="middle",
                      font_weight="bold" if i == 0 else None)

    # --- o documento -----------------------------------------------------------------------------

    def render(self) -> str:
        accessible = ({"aria_labelledby": "titulo descricao"} if self.title
                      else {"aria_label": self.label})
        head = (f'<svg xmlns="http://www.w3.org/2000/svg"'
                + _attrs({"class_": self.class_, "viewBox": f"0 0 {number(self.width)} {number(self.height)}",
                          "width": self.width, "height": self.height, "font_family": self.font,
                          "font_size": self.font_size, "role": "img", **accessible}) + ">")
        out = [head]
        if self.title:
            out.append(f'<title id="titulo">{escape(self.title)}</title>')
            out.append(f'<desc id="descricao">{escape(self.description)}</desc>')
        if self.markers:
            out.append(f'<defs>{"".join(self.markers[k] for k in sorted(self.markers))}</defs>')
        if self.background:
            out.append(f'<rect x="0" y="0" width="{number(self.width)}" height="{number(self.height)}" '
                       f'fill="{self.background}"/>')
        out += self.parts
        out.append("</svg>")
        return "\n".join(out) + "\n" if self.title else "".join(out)


class SvgWidget(anywidget.AnyWidget):
    """Base dos widgets que mostram um SVG feito em Python: a subclasse implementa ``draw()``
    (o texto do SVG a partir dos traits) e lista em ``_redraw_on`` os traits que mudam o desenho
    (``title`` sempre muda).

    ``css_class`` dá nome à raiz na página (``curso-seq``, ``curso-waterfall``...). Se a subclasse
    tiver ``selected`` e ``items`` (o nome do trait com a lista de itens), um clique num elemento
    ``[data-pick][data-i]`` mostra os detalhes do item (``head``, ``hex`` e ``text``) embaixo
    do desenho; ``hint`` é o texto enquanto nada está selecionado.
    """

    _esm = _STATIC / "svg.js"
    _css = _STATIC / "svg.css"
    _redraw_on: tuple[str, ...] = ()

    title = traitlets.Unicode("").tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    css_class = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.observe(lambda _change: self._redraw(), names=list(dict.fromkeys(("title", *self._redraw_on))))
        self._redraw()

    def draw(self) -> str:
        raise NotImplementedError

    def _redraw(self) -> None:
        self.svg = self.draw()
