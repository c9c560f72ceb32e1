"""Widget de diagrama de sequência: raias de cliente(s) e servidor, uma seta por mensagem.

Introduzido no notebook 01; os capítulos seguintes o alimentam com eventos do tap.

O desenho (SVG) é feito aqui em Python, por uma função pura (``render_svg``), e sincronizado
com o navegador pelo trait ``svg``; o JavaScript (``static/diagram.js``) só insere o SVG e
trata o clique numa seta, que mostra os bytes da mensagem (hex + texto). Como o estado final
fica salvo no notebook, a exportação estática (``helpers.export``) mostra o mesmo desenho sem
kernel e sem internet.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from html import escape

import anywidget
import traitlets

from .events import C2S, Closed, Connected, Event, HttpResponse, Raw, hexdump, visible_text

__all__ = ["SequenceDiagram", "render_svg"]

_STATIC = pathlib.Path(__file__).parent / "static"

WIDTH = 760
TOP = 62  # altura do cabeçalho com os nomes das raias
ROW = 34  # distância vertical entre mensagens
MARGIN = 90


def _lane_x(i: int, n: int) -> float:
    if n == 1:
        return WIDTH / 2
    return MARGIN + i * (WIDTH - 2 * MARGIN) / (n - 1)


def render_svg(title: str, lanes: list[str], messages: list[dict], max_rows: int = 40) -> str:
    """Desenha o diagrama como SVG. Função pura: mesmas entradas, mesmo texto.

    Cada mensagem é um dicionário com ``src``, ``dst`` (nomes de raias), ``label`` e ``kind``
    (``"msg"``, ``"error"``, ``"raw"`` ou ``"tcp"``). Mostra as últimas ``max_rows``.
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
        color = {"error": "#c0392b", "raw": "#8e44ad"}.get(m.get("kind"), "#1f4e79")
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
    """

    _esm = _STATIC / "diagram.js"
    _css = _STATIC / "diagram.css"

    title = traitlets.Unicode("").tag(sync=True)
    lanes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    messages = traitlets.List(traitlets.Dict()).tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    max_rows = traitlets.Int(40).tag(sync=True)

    def __init__(self, clients: list[str] | None = None, server: str = "servidor", title: str = "", **kw):
        super().__init__(lanes=[*(clients or ["cliente"]), server], title=title, **kw)
        self.server = server
        self._unsubscribe: list[Callable[[], None]] = []
        self._redraw()

    @traitlets.observe("messages", "lanes", "title", "max_rows")
    def _on_change(self, _change) -> None:
        self._redraw()

    def _redraw(self) -> None:
        self.svg = render_svg(self.title, list(self.lanes), list(self.messages), self.max_rows)

    def add(self, src: str, dst: str, label: str, data: bytes = b"", kind: str = "msg") -> None:
        """Acrescenta uma seta de ``src`` para ``dst``; ``data`` são os bytes mostrados ao clicar."""
        for lane in (src, dst):
            if lane not in self.lanes:
                self.lanes = [*self.lanes[:-1], lane, self.lanes[-1]]
        msg = {"src": src, "dst": dst, "label": label, "kind": kind, "size": len(data),
               "hex": hexdump(data), "text": visible_text(data)}
        self.messages = [*self.messages, msg]

    def add_event(self, event: Event, client: str = "cliente") -> None:
        """Desenha um evento do tap: setas para mensagens, linhas finas para conexões TCP."""
        src, dst = (client, self.server) if event.direction == C2S else (self.server, client)
        if isinstance(event, (Connected, Closed)):
            self.add(client, self.server, event.summary, kind="tcp")
            return
        kind = "msg"
        if isinstance(event, Raw):
            kind = "raw"
        elif isinstance(event, HttpResponse) and event.status >= 400:
            kind = "error"
        self.add(src, dst, event.summary, event.data, kind)

    def follow(self, tap, client: str | Callable[[Event], str] = "cliente", connections: bool = True):
        """Passa a desenhar cada evento novo de ``tap``; ``client`` nomeia a raia do cliente
        (ou é uma função evento → nome). ``connections=False`` omite abertura/fechamento TCP."""

        def on_event(ev: Event) -> None:
            if not connections and isinstance(ev, (Connected, Closed)):
                return
            self.add_event(ev, client(ev) if callable(client) else client)

        self._unsubscribe.append(tap.subscribe(on_event))
        return self

    def unfollow(self) -> None:
        for stop in self._unsubscribe:
            stop()
        self._unsubscribe.clear()

    def clear(self) -> None:
        self.messages = []
        self.selected = -1

    @property
    def arrows(self) -> int:
        """Quantas setas de mensagem (sem contar as linhas de conexão TCP)."""
        return sum(1 for m in self.messages if m.get("kind") != "tcp")

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"SequenceDiagram(title={self.title!r}, lanes={list(self.lanes)!r})"
