"""Widget de diagrama de sequência: raias de cliente(s) e servidor, uma seta por mensagem.

Introduzido no notebook 01; os capítulos seguintes o alimentam com eventos do tap.

O desenho (SVG) é feito aqui em Python, por uma função pura (``render_svg``, com o construtor
``helpers.widgets.svg.Svg``), e sincronizado com o navegador pelo trait ``svg``; o renderizador comum
dos desenhos (``helpers.widgets.svg.SvgWidget``, ``static/svg.js``) só insere o SVG e trata o clique numa
seta, que mostra os bytes da mensagem (hex + texto). Como o estado final
fica salvo no notebook, a exportação estática (``helpers.tools.export``) mostra o mesmo desenho sem
kernel e sem internet.

Requisições *seguradas* (long polling, notebook 03): com ``hold_threshold`` (segundos), uma
resposta que demora pelo menos isso para sair depois da requisição é desenhada com uma barra
na raia do servidor, da linha da requisição até a da resposta, com o rótulo
"segurada 0,8 s"; a seta da requisição muda de cor. Um poll comum (resposta imediata) fica
como sempre: duas setas em linhas seguidas.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import traitlets

from ..core.numbers import decimal
from ..traffic.events import C2S, Event, hexdump, visible_text

from .svg import Svg, SvgWidget

__all__ = ["SequenceDiagram", "held_label", "render_svg"]

WIDTH = 760
TOP = 62  # altura do cabeçalho com os nomes das raias
ROW = 34  # distância vertical entre mensagens
MARGIN = 90
HOLD_COLOR = "#b9650b"  # requisição segurada (long polling)
#: cor e traço de cada tipo de seta: a cor nunca é a única diferença (paleta de Okabe e Ito)
KINDS = {"msg": ("#1f4e79", None), "error": ("#c0392b", "10 3"), "raw": ("#8e44ad", "6 3"),
         "held": (HOLD_COLOR, None)}


def _lane_x(i: int, n: int) -> float:
    if n == 1:
        return WIDTH / 2
    return MARGIN + i * (WIDTH - 2 * MARGIN) / (n - 1)


def held_label(seconds: float) -> str:
    """O rótulo de uma requisição segurada: ``segurada 0,8 s``."""
    return f"segurada {decimal(seconds, 1)} s"


def _holds(svg: Svg, lanes: list[str], shown: list, xs: dict, hidden: int) -> None:
    """Barras das requisições seguradas: na raia do servidor, da requisição até a resposta."""
    for row, (i, m) in enumerate(shown, start=1):
        if m.get("held") is None or m.get("from") is None:
            continue
        y_end = TOP + ROW * row
        start = m["from"]
        y_start = TOP + ROW * (start - hidden + 1) if start >= hidden else TOP - 12
        x = xs.get(m["src"], WIDTH)
        k = lanes.index(m["dst"]) if m["dst"] in lanes else 0
        bar = x - 8 - 8 * k  # uma coluna por cliente, à esquerda da linha do servidor
        label = held_label(m["held"])
        with svg.group(class_="hold", data_i=i, data_from=start,
                       tooltip=f"{m['dst']}: {label} (long polling: o servidor só respondeu quando "
                               f"teve o que mandar ou o prazo acabou)"):
            svg.rect(round(bar), round(y_start), 6, round(y_end - y_start), fill="#fdebd0",
                     stroke=HOLD_COLOR)
            svg.text(round(x + 6), round((y_start + y_end) / 2 + 4), label, fill=HOLD_COLOR,
                     font_size=10)


@functools.lru_cache(maxsize=2048)
def _message(i: int, kind: str | None, label: str, x1: int, x2: int, y: int) -> str:
    """Uma linha do diagrama (seta ou conexão TCP). Guardada em cache: o diagrama é redesenhado
    a cada mensagem nova, mas as linhas antigas não mudam, e o redesenho corre no mesmo laço
    que entrega as mensagens (um desenho lento atrasaria o que ele mede)."""
    svg = Svg(0, 0)
    if kind == "tcp":
        lo, hi = sorted((x1, x2))
        with svg.group(class_="msg tcp", data_i=i):
            svg.line(lo, y, hi, y, stroke="#bbb", stroke_dasharray="2 3")
            svg.text(round((lo + hi) / 2), y - 4, label, text_anchor="middle", fill="#888",
                     font_size=11, font_style="italic")
        return "".join(svg.parts)
    color, dash = KINDS.get(kind, KINDS["msg"])
    with svg.group(class_="msg arrow", data_i=i, data_pick=1, style="cursor:pointer",
                   tooltip=f"{label} (clique para ver os bytes)"):
        svg.line(x1, y, x2, y, stroke=color, stroke_width=2, stroke_dasharray=dash,
                 marker_end="url(#seta)")
        svg.rect(min(x1, x2), y - 16, abs(x2 - x1), 20, fill="transparent")
        svg.text(round((x1 + x2) / 2), y - 5, label, text_anchor="middle", fill=color)
    return "".join(svg.parts)


def render_svg(title: str, lanes: list[str], messages: list[dict], max_rows: int = 40) -> str:
    """Desenha o diagrama como SVG. Função pura: mesmas entradas, mesmo texto.

    Cada mensagem é um dicionário com ``src``, ``dst`` (nomes de raias), ``label`` e ``kind``
    (``"msg"``, ``"error"``, ``"raw"``, ``"tcp"`` ou ``"held"``, a requisição de um long
    polling). Uma resposta com ``held`` (segundos) e ``from`` (índice da requisição) ganha a
    barra "segurada N s". Mostra as últimas ``max_rows``. Cada tipo de seta tem cor **e**
    traço próprios (erro: traço longo; bytes crus: tracejado), e o rótulo diz o que é.
    """
    hidden = max(0, len(messages) - max_rows)
    shown = list(enumerate(messages))[hidden:]
    height = TOP + ROW * (len(shown) + 1) + 10
    xs = {name: _lane_x(i, len(lanes)) for i, name in enumerate(lanes)}
    svg = Svg(WIDTH, height, label=title or "diagrama de sequência", class_="curso-diagram",
              font="sans-serif", font_size=13)
    svg.arrowhead()  # "seta", a ponta das mensagens (context-stroke: a cor da própria linha)
    if title:
        svg.text(8, 16, title, font_weight="bold")
    for name, x in xs.items():
        with svg.group(class_="lane"):
            svg.rect(round(x - 60), 24, 120, 24, rx=4, fill="#eef3fb", stroke="#4a6fa5")
            svg.text(round(x), 40, name, text_anchor="middle")
            svg.line(round(x), 48, round(x), height - 6, stroke="#999", stroke_dasharray="4 4")
    if hidden:
        svg.text(round(WIDTH / 2), TOP, f"… {hidden} mensagens anteriores", text_anchor="middle",
                 fill="#666")
    _holds(svg, lanes, shown, xs, hidden)
    for row, (i, m) in enumerate(shown, start=1):
        x1, x2 = round(xs.get(m["src"], 0)), round(xs.get(m["dst"], WIDTH))
        svg.parts.append(_message(i, m.get("kind"), m["label"], x1, x2, TOP + ROW * row))
    return svg.render()


class SequenceDiagram(SvgWidget):
    """Diagrama de sequência ao vivo. Clique numa seta para ver os bytes da mensagem.

    >>> d = SequenceDiagram(["cliente"], title="Uma requisição")
    >>> d.follow(tap)          # cada evento do tap vira uma seta, na hora

    ``follow`` aceita qualquer fonte de eventos com ``subscribe(callback)``: o tap (TCP), o
    servidor DNS (UDP)... O diagrama não conhece os tipos de evento: cada um traz o seu rótulo
    (``summary``), se é erro (``is_error``), o tipo de seta (``arrow``) e, numa resposta, a
    requisição que ela responde (``reply_to``).
    """

    _redraw_on = ("messages", "lanes", "title", "max_rows")

    lanes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    messages = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    items = traitlets.Unicode("messages").tag(sync=True)  # o renderizador mostra messages[selected]
    hint = traitlets.Unicode("Clique numa seta para ver os bytes da mensagem.").tag(sync=True)
    max_rows = traitlets.Int(40).tag(sync=True)

    def __init__(self, clients: list[str] | None = None, server: str = "servidor", title: str = "",
                 hold_threshold: float | None = None,
                 clock: Callable[[float], float] | None = None, **kw):
        """``hold_threshold``: a partir de quantos segundos uma resposta conta como segurada
        (``None``: não marca nada). ``clock`` converte os instantes do tap (``time.monotonic``)
        na unidade dos rótulos (por exemplo, ``SimClock.at`` para segundos simulados)."""
        super().__init__(lanes=[*(clients or ["cliente"]), server], title=title, css_class="curso-seq",
                         **kw)
        self.server = server
        self.hold_threshold = hold_threshold
        self.clock = clock
        self._sources: list[tuple[object, Callable[[], None]]] = []  # (fonte, cancelar)
        self._drawn: dict[int, tuple[Event, int]] = {}  # id(requisição) → (requisição, índice da seta)
        self._redraw()

    def draw(self) -> str:
        return render_svg(self.title, list(self.lanes), list(self.messages), self.max_rows)

    def add(self, src: str, dst: str, label: str, data: bytes = b"", kind: str = "msg",
            held: float | None = None, held_from: int | None = None) -> None:
        """Acrescenta uma seta de ``src`` para ``dst``; ``data`` são os bytes mostrados ao clicar.

        ``held`` (segundos) e ``held_from`` (índice da requisição) marcam a resposta de uma
        requisição segurada: a requisição muda de cor e ganha a barra "segurada N s".
        """
        for lane in (src, dst):
            if lane not in self.lanes:
                self.lanes = [*self.lanes[:-1], lane, self.lanes[-1]]
        msg = {"src": src, "dst": dst, "label": label, "kind": kind, "size": len(data),
               "head": f"{src} → {dst}: {label} ({len(data)} bytes)",
               "hex": hexdump(data), "text": visible_text(data)}
        messages = list(self.messages)
        if held is not None and held_from is not None and 0 <= held_from < len(messages):
            msg["held"], msg["from"] = held, held_from
            messages[held_from] = {**messages[held_from], "kind": "held"}
        self.messages = [*messages, msg]

    def add_event(self, event: Event, client: str = "cliente", label: str | None = None,
                  server: str | None = None) -> None:
        """Desenha um evento: setas para mensagens, linhas finas para conexões TCP.

        ``label`` troca o rótulo padrão (``event.summary``); ``server`` é a raia do outro lado
        (padrão: a do servidor deste diagrama).
        """
        server = self.server if server is None else server
        src, dst = (client, server) if event.direction == C2S else (server, client)
        label = event.summary if label is None else label
        if event.arrow == "tcp":
            self.add(client, server, label, kind="tcp")
            return
        held = held_from = None
        drawn = self._drawn.pop(id(event.reply_to), None) if event.reply_to is not None else None
        if drawn is not None and self.hold_threshold is not None:
            request, index = drawn
            clock = self.clock or (lambda t: t)
            wait = clock(event.t) - clock(request.ended)
            if wait >= self.hold_threshold:
                held, held_from = wait, index
        self.add(src, dst, label, event.data, "error" if event.is_error else event.arrow, held, held_from)
        if self.hold_threshold is not None and event.direction == C2S:
            self._drawn[id(event)] = (event, len(self.messages) - 1)  # talvez segurada: guarda

    def follow(self, source, client: str | Callable[[Event], str] = "cliente", connections: bool = True,
               label: Callable[[Event], str | None] | None = None, server: str | None = None):
        """Passa a desenhar cada evento novo de ``source`` (um tap, um servidor DNS: qualquer
        objeto com ``subscribe``). ``client`` nomeia a raia do cliente (ou é uma função
        evento → nome); ``server``, a do servidor (padrão: a deste diagrama).
        ``connections=False`` omite abertura/fechamento TCP. ``label`` (opcional) é uma função
        evento → rótulo (``None`` mantém o padrão)."""

        def on_event(ev: Event) -> None:
            if not connections and ev.arrow == "tcp":
                return
            self.add_event(ev, client(ev) if callable(client) else client,
                           label(ev) if label is not None else None, server)

        self._sources.append((source, source.subscribe(on_event)))
        return self

    def unfollow(self, source=None) -> None:
        """Para de desenhar os eventos de ``source`` (de todas as fontes, se omitida)."""
        keep = []
        for followed, stop in self._sources:
            if source is None or followed is source:
                stop()
            else:
                keep.append((followed, stop))
        self._sources = keep

    def clear(self) -> None:
        self.messages = []
        self.selected = -1
        self._drawn.clear()

    @property
    def arrows(self) -> int:
        """Quantas setas de mensagem (sem contar as linhas de conexão TCP)."""
        return sum(1 for m in self.messages if m.get("kind") != "tcp")

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"SequenceDiagram(title={self.title!r}, lanes={list(self.lanes)!r})"
