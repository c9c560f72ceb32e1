"""Clientes do chat dentro do notebook: cada widget é uma caixa de chat com a sua própria conexão.

Introduzido no notebook 05 (Chat ao vivo).

A conexão WebSocket de cada ``ChatClient`` mora no kernel (cliente ``websockets``, API asyncio);
a caixa dele, ``ChatBox`` (anywidget; o JavaScript em ``static/chatwidget.js``), só desenha o que
o Python recebeu (apelido, quem está na sala, as mensagens, "fulano está digitando…") e devolve
ao Python o que o aluno digita. (São dois objetos porque um widget já tem ``send`` e ``close``
com outro sentido; o ``ChatClient`` aparece no notebook como a sua caixa.) ``box_svg`` desenha a
mesma caixa em SVG, para a exportação estática. Assim várias caixas lado a lado são vários clientes de verdade, cada um com o seu
TCP, e o tap vê o tráfego de cada um. Mensagens são mostradas como **texto** (``textContent``,
nunca ``innerHTML``): um ``<script>`` numa mensagem aparece escrito, não roda.

Uso com o registro (cada cliente é um recurso: ``start`` conecta e entra na sala, ``close``
sai)::

    ana = await registry.start("ana", ChatClient(servidor.url, "Ana"))
    await ana.send("Oi, turma!")
    await ana.wait_for_text("Oi, turma!")        # espera (com limite) a mensagem voltar

O que vai e vem pela conexão (mensagens, eventos, limites, rótulos do diagrama) é o protocolo,
em ``helpers.chat.protocol``; aqui não há nenhum JSON montado à mão.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
import textwrap
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs, urlsplit, urlunsplit

import anywidget
import ipywidgets
import traitlets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ..core.lifecycle import Task
from .protocol import (
    LIMITS,
    TYPING_SHOWN,
    BadMessage,
    encode,
    history_request,
    join_request,
    leave_request,
    parse_event,
    send_request,
    typing_request,
)
from ..widgets.svg import Svg

__all__ = ["ChatBox", "ChatClient", "box_svg", "resolve_url", "side_by_side"]

_STATIC = pathlib.Path(__file__).parent.parent / "static"
log = logging.getLogger("curso.chatwidget")

MAX_LINES = 200  # linhas guardadas em cada caixa (as mais antigas saem)


def resolve_url(url: str, token: str | None = None) -> tuple[str, str | None]:
    """Aceita o endereço do WebSocket ou o da página (como o instrutor o imprime) e devolve
    ``(url do WebSocket, token)``.

    >>> resolve_url("http://192.168.0.10:8765/#token=abc")
    ('ws://192.168.0.10:8765/ws', 'abc')
    >>> resolve_url("ws://127.0.0.1:8765/ws")
    ('ws://127.0.0.1:8765/ws', None)
    """
    parts = urlsplit(url)
    if token is None and parts.fragment:
        token = parse_qs(parts.fragment).get("token", [None])[0]
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path.endswith("/ws") else parts.path.rstrip("/") + "/ws"
    return urlunsplit((scheme, parts.netloc, path, "", "")), token


def box_svg(nick: str, status: str, online: list[str], lines: list[dict], typing: str = "",
            width: int = 250, rows: int = 14) -> str:
    """A caixa desenhada em SVG, para a exportação estática (sem kernel, sem JavaScript).

    Função pura; todo texto passa por ``html.escape``: uma mensagem com ``<script>`` vira texto
    aqui também. Mostra as últimas ``rows`` linhas (mensagens longas quebram em várias).
    """
    chars = int((width - 16) / 6.5)  # caracteres por linha, mais ou menos (fonte de 12 px)
    visual: list[tuple[str, str, str]] = []  # (classe, quem, texto) por linha desenhada
    for line in lines:
        kind = line.get("kind", "message")
        who = f"#{line.get('id')} {line.get('nick')}: " if kind in ("message", "mine") else ""
        wrapped = textwrap.wrap(who + str(line.get("text", "")), chars, replace_whitespace=False) or [""]
        visual.append((kind, who, wrapped[0][len(who):] if who else wrapped[0]))
        visual.extend((kind, "", more) for more in wrapped[1:])
    visual = visual[-rows:]
    height = 58 + 16 * rows + 40
    colors = {"message": "#222", "mine": "#222", "info": "#888", "error": "#b03a2e"}
    svg = Svg(width, height, label="chat de " + nick, class_="curso-chatbox", font="sans-serif",
              font_size=12, background=None)
    svg.rect(0.5, 0.5, width - 1, height - 1, rx=6, fill="white", stroke="#4a6fa5")
    svg.rect(1, 1, width - 2, 24, rx=6, fill="#eef3fb")
    svg.text(8, 17, nick, font_weight="bold")
    svg.text(width - 8, 17, status, text_anchor="end", fill="#666", font_size=10)
    svg.text(8, 40, "na sala: " + ", ".join(online) if online else "", fill="#555", font_size=10)
    svg.line(1, 47, width - 1, 47, stroke="#e3e8f0")
    for i, (kind, who, text) in enumerate(visual):
        italic = kind == "info"
        head = Svg.tspan(who, font_weight="bold", fill="#1e7e34" if kind == "mine" else "#1f4e79") if who else ""
        svg.element("text", head + escape(text), x=8, y=64 + 16 * i, fill=colors.get(kind, "#222"),
                    font_style="italic" if italic else None, font_size=11 if italic else None)
    if typing:
        svg.text(8, height - 26, f"{typing} está digitando…", fill="#888", font_style="italic",
                 font_size=10)
    svg.text(8, height - 10, "(cópia estática, sem kernel)", fill="#999", font_size=10)
    return svg.render()


class ChatBox(anywidget.AnyWidget):
    """O desenho de uma caixa de chat (só mostra; quem conversa é o ``ChatClient`` dono dela).

    ``svg`` guarda a mesma caixa desenhada em Python (``box_svg``), para a exportação estática
    (``helpers.tools.export``) mostrar a conversa sem kernel.
    """

    _esm = _STATIC / "chatwidget.js"
    _css = _STATIC / "chatwidget.css"

    nick = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("desconectado").tag(sync=True)
    connected = traitlets.Bool(False).tag(sync=True)
    online = traitlets.List(traitlets.Unicode()).tag(sync=True)
    lines = traitlets.List(traitlets.Dict()).tag(sync=True)
    typing = traitlets.Unicode("").tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)  # desenho estático (exportação sem kernel)
    limits = traitlets.Dict(LIMITS).tag(sync=True)  # do protocolo: o JavaScript não repete números

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._redraw()

    @traitlets.observe("nick", "status", "online", "lines", "typing")
    def _on_change(self, _change) -> None:
        self._redraw()

    def _redraw(self) -> None:
        self.svg = box_svg(self.nick, self.status, list(self.online), list(self.lines), self.typing)

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"ChatBox(nick={self.nick!r})"


def _box_trait(name: str) -> property:
    return property(lambda self: getattr(self.box, name),
                    lambda self, value: setattr(self.box, name, value))


class ChatClient:
    """Um cliente do chat com conexão própria, mostrado como uma caixa (``ChatBox``).

    Na caixa: digite e tecle Enter (ou clique em Enviar). ``compression=None`` (o padrão aqui):
    sem permessage-deflate, para o tamanho de cada frame no diagrama ser o do JSON que você lê.
    ``lifetime``: segundos até a conexão ser encerrada sozinha (nada fica aberto para sempre
    num notebook). ``resume_after``: se o servidor fechar com 1013 (a fila de saída passou do
    limite: o notebook ficou sem ler), volta sozinho depois destes segundos, com ``since`` = o
    último id recebido, sem perder nada (``None``: não volta sozinho).
    """

    status = _box_trait("status")
    connected = _box_trait("connected")
    online = _box_trait("online")
    lines = _box_trait("lines")
    typing = _box_trait("typing")

    def __init__(self, url: str, nick: str, *, token: str | None = None, compression: str | None = None,
                 lifetime: float = 3600.0, max_lines: int = MAX_LINES, resume_after: float | None = 1.0):
        self.nick = nick
        self.box = ChatBox(nick=nick)
        self.box.on_msg(self._from_browser)
        self.url, self.token = resolve_url(url, token)
        self.compression, self.lifetime, self.max_lines = compression, lifetime, max_lines
        self.ws: ClientConnection | None = None
        self.messages: list[dict] = []  # as mensagens do chat recebidas (histórico + ao vivo), em ordem
        self.events: list[dict] = []  # tudo o que o servidor mandou, como chegou
        self.close_code: int | None = None
        self._reader: Task | None = None
        self._news: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task] = set()
        self._typing_timer: asyncio.TimerHandle | None = None
        self.resume_after = resume_after
        self._resume: asyncio.TimerHandle | None = None
        self._last_id = 0

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs)  # (dados, metadados), ou só os dados
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            data["text/plain"] = repr(self)
        return bundle

    # --- conexão ------------------------------------------------------------------------------

    @property
    def last_id(self) -> int:
        """O maior id recebido (0 se nenhum): o ``since`` para voltar sem perder nada. (O maior, não
        o último: uma resposta a ``history`` traz mensagens antigas depois das novas.)"""
        return self._last_id

    async def start(self) -> None:
        await self.connect()

    async def connect(self, since: int | None = None) -> None:
        """Conecta e entra na sala. ``since``: receber tudo depois deste id (``None``: as recentes)."""
        self._loop = asyncio.get_running_loop()
        self._news = self._news or asyncio.Event()
        if self.ws is not None:  # voltando: a conexão antiga (talvez já morta) fecha antes
            await self.ws.close()
        await self._stop_reader()
        self.close_code = None
        self.status = "conectando…"
        self.ws = await connect(self.url, compression=self.compression, open_timeout=5)
        self._reader = Task(self._read(self.ws))
        self._reader.name = f"chat {self.nick}"
        await self._reader.start()
        welcomes = self._count("welcome")
        await self.ws.send(encode(join_request(self.nick, since=since, token=self.token)))
        await self.wait(lambda: self._count("welcome") > welcomes or self.close_code is not None, 5)
        if self.close_code is not None:
            reason = next((e["error"] for e in reversed(self.events) if e["type"] == "error"), "")
            raise PermissionError(f"O servidor recusou a entrada de {self.nick!r} "
                                  f"(código {self.close_code}). {reason}".strip())

    async def reconnect(self) -> None:
        """Volta para a sala pedindo só o que perdeu (``since`` = último id recebido)."""
        await self.connect(since=self.last_id)

    def drop(self) -> None:
        """Derruba a conexão de repente, sem o CLOSE do WebSocket (como um Wi-Fi que cai)."""
        if self.ws is not None:
            self.ws.transport.abort()

    async def close(self) -> None:
        if self._resume is not None:
            self._resume.cancel()
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self._typing_timer is not None:
            self._typing_timer.cancel()
        if self.ws is not None:
            await self.ws.close()
        await self._stop_reader()
        self.ws = None

    async def _stop_reader(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None

    # --- o que o aluno (ou o notebook) faz ----------------------------------------------------

    async def send(self, text: str) -> None:
        await self._send_event(send_request(text))

    async def send_typing(self) -> None:
        await self._send_event(typing_request())

    async def history(self, since: int = 0, limit: int = 50) -> None:
        await self._send_event(history_request(since, limit))

    async def send_raw(self, data: str | bytes) -> None:
        """Manda qualquer coisa, sem validar (para ver como o servidor reage a entrada ruim)."""
        if self.ws is None:
            raise ConnectionError("não conectado")
        await self.ws.send(data)

    async def leave(self) -> None:
        await self._send_event(leave_request())
        await self.wait(lambda: self.close_code is not None, 2)

    async def _send_event(self, event: dict) -> None:
        await self.send_raw(encode(event))

    # --- esperar com limite (o notebook só imprime depois que o que esperava chegou) ----------

    async def wait(self, predicate: Callable[[], bool], timeout: float = 2.0) -> None:
        """Espera ``predicate()`` ficar verdadeiro, no máximo ``timeout`` segundos."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._news.clear()
                await self._news.wait()

    async def wait_for_text(self, text: str, timeout: float = 2.0) -> dict:
        """Espera chegar uma mensagem com este texto; devolve a mensagem."""
        await self.wait(lambda: any(m["text"] == text for m in self.messages), timeout)
        return next(m for m in reversed(self.messages) if m["text"] == text)

    async def wait_for_count(self, n: int, timeout: float = 2.0) -> None:
        """Espera ter recebido pelo menos ``n`` mensagens do chat."""
        await self.wait(lambda: len(self.messages) >= n, timeout)

    async def wait_for_event(self, kind: str, timeout: float = 2.0) -> dict:
        """Espera um evento novo do tipo ``kind`` (``"error"``, ``"presence"``...); devolve-o."""
        before = self._count(kind)
        await self.wait(lambda: self._count(kind) > before, timeout)
        return [e for e in self.events if e.get("type") == kind][-1]

    def _count(self, kind: str) -> int:
        return sum(1 for e in self.events if e.get("type") == kind)

    # --- o que chega do servidor ----------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        self.connected, self.status = True, "conectado"
        try:
            async with asyncio.timeout(self.lifetime):  # nada fica aberto para sempre
                async for raw in ws:
                    try:
                        self._receive(parse_event(raw))
                    except BadMessage as problem:
                        self._show({"kind": "error", "text": str(problem)})
        except ConnectionClosed:
            pass
        except TimeoutError:
            await ws.close(1000, "tempo de vida do cliente esgotado")
        finally:
            if ws is self.ws:
                self.close_code = ws.close_code if ws.close_code is not None else 1006
                self.connected, self.online = False, []
                self.status = f"desconectado ({self.close_code})"
                if self.close_code == 1013 and self.resume_after is not None:  # "volte mais tarde"
                    self.status = f"desconectado (1013); voltando com since={self.last_id}…"
                    self._resume = self._loop.call_later(self.resume_after, self._spawn, self.reconnect)
                self._wake()

    def _receive(self, event: dict) -> None:
        self.events.append(event)
        kind = event.get("type")
        if kind == "message":
            self.messages.append(event)
            self._last_id = max(self._last_id, event["id"])
            self._show(event)
        elif kind == "history":
            self.messages.extend(event["messages"])
            self._last_id = max([self._last_id, *(m["id"] for m in event["messages"])])
            self._show(*event["messages"])  # uma página, um redesenho (não um por mensagem)
        elif kind == "welcome":
            self.online = event["online"]
        elif kind == "presence":  # só a diferença: a lista inteira veio no welcome
            if "joined" in event:
                self.online = [*self.online, event["joined"]]
            else:
                self.online = [n for n in self.online if n != event.get("left")]
            who = event.get("joined") or event.get("left")
            self._show({"kind": "info", "text": f"{who} {'entrou' if 'joined' in event else 'saiu'}"})
        elif kind == "typing":
            self._typing(event["nick"])
        elif kind == "error":
            self._show({"kind": "error", "text": event["error"]})
        self._wake()

    def _show(self, *items: dict) -> None:
        shown = []
        for item in items:
            if "kind" not in item:
                item = {"kind": "mine" if item["nick"] == self.nick else "message", "id": item["id"],
                        "nick": item["nick"], "text": item["text"]}
                if self.typing == item["nick"]:
                    self.typing = ""
            shown.append(item)
        self.lines = [*self.lines, *shown][-self.max_lines :]

    def _typing(self, who: str) -> None:
        self.typing = who
        if self._typing_timer is not None:
            self._typing_timer.cancel()
        self._typing_timer = self._loop.call_later(TYPING_SHOWN, self._typing_done, who)

    def _typing_done(self, who: str) -> None:
        if self.typing == who:
            self.typing = ""
            self._wake()

    def _wake(self) -> None:
        if self._news is not None:
            self._news.set()

    # --- o que chega do navegador (o aluno digitou) ---------------------------------------------

    def _from_browser(self, _widget, content: dict, _buffers) -> None:
        action = {"send": lambda: self.send(str(content.get("text", ""))),
                  "typing": self.send_typing, "reconnect": self.reconnect}.get(content.get("do"))
        if action is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._spawn, action)

    def _spawn(self, action: Callable) -> None:
        task = self._loop.create_task(action())
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.info("chat widget action failed: %r", exc)
            why = "não conectado" if isinstance(exc, (ConnectionError, ConnectionClosed)) else str(exc)
            self._show({"kind": "error", "text": f"não deu para enviar: {why}"})

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"ChatClient(nick={self.nick!r})"


def side_by_side(*clients: ChatClient) -> ipywidgets.HBox:
    """As caixas lado a lado (quebram a linha se a tela for estreita)."""
    return ipywidgets.HBox([c.box for c in clients], layout=ipywidgets.Layout(flex_flow="row wrap"))
