"""Widget de diagrama de sequência: raias de cliente(s) e servidor, uma seta por mensagem.

Introduzido no notebook 01; os capítulos seguintes o alimentam com eventos do tap.

O desenho (SVG) é feito aqui em Python, por uma função pura (``render_svg``), e sincronizado
com o navegador pelo trait ``svg``; o JavaScript (``static/diagram.js``) só insere o SVG e
trata o clique numa seta, que mostra os bytes da mensagem (hex + texto). Como o estado final
fica salvo no notebook, a exportação estática (``helpers.tools.export``) mostra o mesmo desenho sem
kernel e sem internet.

Requisições *seguradas* (long polling, notebook 03): com ``hold_threshold`` (segundos), uma
resposta que demora pelo menos isso para sair depois da requisição é desenhada com uma barra
na raia do servidor, da linha da requisição até a da resposta, com o rótulo
"segurada 0,8 s"; a seta da requisição muda de cor. Um poll comum (resposta imediata) fica
como sempre: duas setas em linhas seguidas.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from html import escape

import anywidget
import traitlets

from ..traffic.events import C2S, Event, hexdump, visible_text

__all__ = ["SequenceDiagram", "held_label", "render_svg"]

_STATIC = pathlib.Path(__file__).parent.parent / "static"

WIDTH = 760
TOP = 62  # altura do cabeçalho com os nomes das raias
ROW = 34  # distância vertical entre mensagens
MARGIN = 90
HOLD_COLOR = "#b9650b"  # requisição segurada (long polling)


def _lane_x(i: int, n: int) -> float:
    if n == 1:
        return WIDTH / 2
    return MARGIN + i * (WIDTH - 2 * MARGIN) / (n - 1)


def held_label(seconds: float) -> str:
    """O rótulo de uma requisição segurada: ``segurada 0,8 s``."""
    return f"segurada {seconds:.1f} s".replace(".", ",")


def _holds(lanes: list[str], shown: list, xs: dict, hidden: int) -> list[str]:
    """Barras das requisições seguradas: na raia do servidor, da requisição até a resposta."""
    out = []
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
        out.append(
            f'<g class="hold" data-i="{i}" data-from="{start}"><title>{escape(m["dst"])}: {label} '
            f"(long polling: o servidor só respondeu quando teve o que mandar ou o prazo "
            f"acabou)</title>"
            f'<rect x="{bar:.0f}" y="{y_start:.0f}" width="6" height="{y_end - y_start:.0f}" '
            f'fill="#fdebd0" stroke="{HOLD_COLOR}"/>'
            f'<text x="{x + 6:.0f}" y="{(y_start + y_end) / 2 + 4:.0f}" fill="{HOLD_COLOR}" '
            f'font-size="10">{label}</text></g>'
        )
    return out


def render_svg(title: str, lanes: list[str], messages: list[dict], max_rows: int = 40) -> str:
    """Desenha o diagrama como SVG. Função pura: mesmas entradas, mesmo texto.

    Cada mensagem é um dicionário com ``src``, ``dst`` (nomes de raias), ``label`` e ``kind``
    (``"msg"``, ``"error"``, ``"raw"``, ``"tcp"`` ou ``"held"``, a requisição de um long
    polling). Uma resposta com ``held`` (segundos) e ``from`` (índice da requisição) ganha a
    barra "segurada N s". Mostra as últimas ``max_rows``.
    """
    hidden = max(0, len(messages) - max_rows)
    shown = list(enumerate(messages))[hidden:]
    height = TOP + ROW * (len(shown) + 1) + 10
    xs = {name: _lane_x(i, len(lanes)) for i, name in enumerate(lanes)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="curso-diagram" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="13" '
        f'role="img" aria-label="{escape(title or "diagrama de sequência")}">',
        "<defs>"
        '<marker id="seta" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker>'
        "</defs>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    if title:
        out.append(f'<text x="8" y="16" font-weight="bold">{escape(title)}</text>')
    for name, x in xs.items():
        out.append(
            f'<g class="lane"><rect x="{x - 60:.0f}" y="24" width="120" height="24" rx="4" '
            f'fill="#eef3fb" stroke="#4a6fa5"/>'
            f'<text x="{x:.0f}" y="40" text-anchor="middle">{escape(name)}</text>'
            f'<line x1="{x:.0f}" y1="48" x2="{x:.0f}" y2="{height - 6}" stroke="#999" '
            f'stroke-dasharray="4 4"/></g>'
        )
    if hidden:
        out.append(
            f'<text x="{WIDTH / 2:.0f}" y="{TOP}" text-anchor="middle" fill="#666">'
            f"… {hidden} mensagens anteriores</text>"
        )
    out.extend(_holds(lanes, shown, xs, hidden))
    for row, (i, m) in enumerate(shown, start=1):
        y = TOP + ROW * row
        x1, x2 = xs.get(m["src"], 0), xs.get(m["dst"], WIDTH)
        label = escape(m["label"])
        if m.get("kind") == "tcp":
            lo, hi = sorted((x1, x2))
            out.append(
                f'<g class="msg tcp" data-i="{i}"><line x1="{lo:.0f}" y1="{y}" x2="{hi:.0f}" y2="{y}" '
                f'stroke="#bbb" stroke-dasharray="2 3"/>'
                f'<text x="{(lo + hi) / 2:.0f}" y="{y - 4}" text-anchor="middle" fill="#888" '
                f'font-size="11" font-style="italic">{label}</text></g>'
            )
            continue
        color = {"error": "#c0392b", "raw": "#8e44ad", "held": HOLD_COLOR}.get(m.get("kind"), "#1f4e79")
        dash = ' stroke-dasharray="6 3"' if m.get("kind") == "raw" else ""
        out.append(
            f'<g class="msg arrow" data-i="{i}" style="cursor:pointer">'
            f'<title>{label} (clique para ver os bytes)</title>'
            f'<line x1="{x1:.0f}" y1="{y}" x2="{x2:.0f}" y2="{y}" stroke="{color}" stroke-width="2"'
            f'{dash} marker-end="url(#seta)"/>'
            f'<rect x="{min(x1, x2):.0f}" y="{y - 16}" width="{abs(x2 - x1):.0f}" height="20" '
            'fill="transparent"/>'
            f'<text x="{(x1 + x2) / 2:.0f}" y="{y - 5}" text-anchor="middle" fill="{color}">{label}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


class SequenceDiagram(anywidget.AnyWidget):
    """Diagrama de sequência ao vivo. Clique numa seta para ver os bytes da mensagem.

    >>> d = SequenceDiagram(["cliente"], title="Uma requisição")
    >>> d.follow(tap)          # cada evento do tap vira uma seta, na hora

    ``follow`` aceita qualquer fonte de eventos com ``subscribe(callback)``: o tap (TCP), o
    servidor DNS (UDP)... O diagrama não conhece os tipos de evento: cada um traz o seu rótulo
    (``summary``), se é erro (``is_error``), o tipo de seta (``arrow``) e, numa resposta, a
    requisição que ela responde (``reply_to``).
    """

    _esm = _STATIC / "diagram.js"
    _css = _STATIC / "diagram.css"

    title = traitlets.Unicode("").tag(sync=True)
    lanes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    messages = traitlets.List(traitlets.Dict()).tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    max_rows = traitlets.Int(40).tag(sync=True)

    def __init__(self, clients: list[str] | None = None, server: str = "servidor", title: str = "",
                 hold_threshold: float | None = None,
                 clock: Callable[[float], float] | None = None, **kw):
        """``hold_threshold``: a partir de quantos segundos uma resposta conta como segurada
        (``None``: não marca nada). ``clock`` converte os instantes do tap (``time.monotonic``)
        na unidade dos rótulos (por exemplo, ``SimClock.at`` para segundos simulados)."""
        super().__init__(lanes=[*(clients or ["cliente"]), server], title=title, **kw)
        self.server = server
        self.hold_threshold = hold_threshold
        self.clock = clock
        self._sources: list[tuple[object, Callable[[], None]]] = []  # (fonte, cancelar)
        self._drawn: dict[int, tuple[Event, int]] = {}  # id(requisição) → (requisição, índice da seta)
        self._redraw()

    @traitlets.observe("messages", "lanes", "title", "max_rows")
    def _on_change(self, _change) -> None:
        self._redraw()

    def _redraw(self) -> None:
        self.svg = render_svg(self.title, list(self.lanes), list(self.messages), self.max_rows)

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
