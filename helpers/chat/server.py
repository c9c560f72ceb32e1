"""O servidor do chat: WebSocket (biblioteca ``websockets``), histórico em SQLite, página própria.

Introduzido no notebook 05 (Chat ao vivo): o fluxo clássico de um chat rodando de verdade. O cliente
envia → o servidor guarda no banco → o servidor empurra a mensagem para todos, sem ninguém
perguntar. O essencial cabe numa tela: ``ChatServer.handler`` (registrar, repassar,
remover no ``finally``) e ``ChatServer.route`` (uma ação por ``action``). As regras do
protocolo ficam em ``helpers.chat.protocol``; o banco, em ``helpers.chat.store``.

Um servidor, uma porta: ``GET /`` entrega a página do chat (``static/chat.html``), ``/ws`` faz
o upgrade para WebSocket. No notebook, os dois ficam atrás de um segredo no caminho
(``/SEGREDO/`` e ``/SEGREDO/ws``, ver ``helpers.core.links``): num JupyterHub compartilhado, o kernel
de outro usuário alcança o mesmo ``127.0.0.1``, mas não conhece o segredo do link. Tudo que o
servidor manda passa por ``push``, que faz o que o ``broadcast`` do
``websockets`` faz (escreve na hora, sem ``await``, na ordem das chamadas), mas comprime e monta
o frame uma vez só para a sala inteira (``deliver``). Por isso quem entra recebe
o histórico antes de qualquer mensagem nova, sem buraco nem repetição.

O painel da turma (``helpers.chat.painel``): o servidor conta cada mensagem (``self.stats``, só
contadores) e entrega ``/painel`` (a página, sem dados) e ``/painel.json`` (os números, só com
``Authorization: Bearer TOKEN-DO-PROFESSOR``; o token da turma não abre).

Pela linha de comando (``python3 curso.py chat --help``)::

    python3 curso.py chat                              # 127.0.0.1:8765, sem token
    python3 curso.py chat --host 0.0.0.0 --port 8765   # modo sala de aula: token obrigatório
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import ipaddress
import logging
import pathlib
import secrets
import signal
import socket
import sys
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosedError
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN

from ..core.cli import ArgumentParser, RawHelpFormatter
from ..core.deflate import DEFLATE_SETTINGS, keep_client_context_behind_proxy, server_extensions
from ..core.lifecycle import LOOPBACK, WebSocketServer
from ..core.numbers import exact
from .guards import Limits, TokenBucket, host_allowed
from .painel import RoomStats, close_reason, panel_json, panel_state
from .protocol import (
    LIMITS,
    MAX_SIZE,
    BadMessage,
    Request,
    ack_event,
    encode,
    error_event,
    history_pages,
    message_event,
    origin_allowed,
    parse,
    presence_event,
    typing_event,
    welcome_event,
)
from .store import ChatStore
from ..core.links import new_secret, strip_secret

__all__ = ["DEFAULT_PORT", "DEFLATE_SETTINGS", "ChatServer", "Settings", "build_parser", "configure", "deliver", "frame_key",
           "main", "push"]

DEFAULT_PORT = 8765
_STATIC = pathlib.Path(__file__).parent.parent / "static"
PAGES = {  # o que o servidor entrega por HTTP comum (caminho → arquivo, tipo)
    "/": ("chat.html", "text/html; charset=utf-8"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8"),
    "/chat.css": ("chat.css", "text/css; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
    "/favicon.ico": ("favicon.svg", "image/svg+xml"),
    "/painel": ("painel.html", "text/html; charset=utf-8"),  # a página não tem dados: eles vêm de
    "/painel.js": ("painel.js", "text/javascript; charset=utf-8"),  # /painel.json, com o token
    "/painel.css": ("painel.css", "text/css; charset=utf-8"),       # do professor
}
# A página só carrega o que vem dela mesma, só abre conexões para a mesma origem e não pode ser
# posta dentro de um <iframe> de outro site (frame-ancestors: contra clickjacking).
CSP = ("default-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
# Apelidos que, no modo sala de aula, só quem tem o token do instrutor pode usar.
RESERVED = frozenset({"professor", "professora", "instrutor", "instrutora", "prof"})
# O jupyter-server-proxy (JupyterHub/Binder) repassa o Host do hub e acrescenta este header; uma
# página no navegador não consegue pôr headers próprios num handshake de WebSocket.
PROXY_HEADER = "X-Forwarded-Context"
SLOW = (1013, "mensagens acumuladas demais: reconecte com since")  # 1013: tente de novo mais tarde


def _code(frame) -> int | None:
    """O código de um frame CLOSE (``None``: não houve CLOSE)."""
    return None if frame is None else frame.code


class TooFast(BadMessage):
    """Passou do limite de taxa (o balde de fichas esvaziou)."""


def frame_key(conn: ServerConnection) -> tuple | None:
    """Com quem esta conexão pode dividir os bytes de um frame do servidor (``None``: com ninguém).

    Um frame que sai do servidor não tem máscara (RFC 6455 §5.1), então os bytes dependem só da
    mensagem e das extensões. permessage-deflate *sem context takeover* do lado do servidor
    (RFC 7692 §7.1.1.1) comprime cada mensagem do zero: o resultado depende só da janela e dos
    ajustes do zlib. Com context takeover, depende do que a conexão já recebeu: cada uma comprime
    a sua (``None``).

    As extensões não mudam depois do handshake: a chave é calculada na primeira entrega e guardada
    na própria conexão (no cProfile de uma sala de 1.000 alunos, recalculá-la a cada entrega era a
    função mais cara depois do ``send`` e do próprio laço).
    """
    try:
        return conn.curso_frame_key
    except AttributeError:
        pass
    key = []
    for ext in conn.protocol.extensions:
        if not (type(ext) is PerMessageDeflate and ext.local_no_context_takeover):
            key = None
            break
        key.append((ext.local_max_window_bits, tuple(ext.compress_settings.items())))
    conn.curso_frame_key = None if key is None else tuple(key)
    return conn.curso_frame_key


def deliver(connections: Iterable[ServerConnection], data: bytes) -> list[ServerConnection]:
    """O ``websockets.broadcast`` de um texto UTF-8, com o frame montado uma vez por grupo.

    Mesmas regras do ``broadcast``: só conexões ``OPEN``, nunca no meio de uma mensagem
    fragmentada, escreve na hora e sem ``await``. Pula também as conexões cujo TCP já caiu e que o
    handler ainda não removeu. Em vez de comprimir e montar o frame para cada conexão, monta uma vez
    (``Frame.serialize`` com as extensões da primeira conexão de cada grupo, ver ``frame_key``) e
    entrega os mesmos bytes às outras. Devolve as conexões em que escreveu.
    """
    message, frames = Frame(Opcode.TEXT, data), {}
    written = []
    for conn in connections:
        protocol = conn.protocol
        if (protocol.state is not OPEN or conn.send_in_progress is not None
                or protocol.expect_continuation_frame or conn.transport.is_closing()):
            continue
        key = frame_key(conn) if protocol.extensions else ()
        if key is None:                                  # cada uma com o seu compressor
            protocol.send_text(data)
            conn.send_data()
        else:
            frame = frames.get(key)
            if frame is None:
                frame = frames[key] = message.serialize(mask=False, extensions=protocol.extensions)
            if protocol.debug:
                protocol.logger.debug("> %s", message)
            if protocol.writes:                          # algo ainda na fila do protocolo: vai atrás
                protocol.writes.append(frame)
                conn.send_data()
            else:
                conn.transport.write(frame)
        written.append(conn)
    return written


def push(connections: Iterable[ServerConnection], event: dict | str) -> int:
    """Manda ``event`` (JSON) a cada conexão, na hora e sem ``await`` (como ``websockets.broadcast``,
    ver ``deliver``). Devolve para quantas conexões escreveu."""
    return len(deliver(connections, (event if isinstance(event, str) else encode(event)).encode()))


class ChatServer:
    """O chat como recurso do registro: ``await registry.start("chat", ChatServer("dados/chat.sqlite3"))``.

    ``token``: se dado, o ``join`` precisa trazê-lo (modo sala de aula). ``instructor_token``: o
    token de quem dá a aula, o único que pode usar os apelidos reservados (``RESERVED``).
    ``origins``: origens aceitas além da mesma origem (ver ``protocol.origin_allowed``).
    ``limits``: as guardas de cada conexão (``guards.Limits``); ``clock``: o relógio dos baldes de
    fichas (os testes injetam um). ``on_store``: função chamada com cada mensagem guardada (o
    notebook desenha o INSERT no diagrama). ``secret``: o segredo do caminho (``True``: gera um;
    ``False``: sem segredo, como na linha de comando); ``chat.url``, ``chat.page_url`` e
    ``chat.path`` já o incluem.

    As guardas (issue 13, capítulo 06): fila de saída limitada por conexão (quem não lê é
    fechado com 1013 e volta com ``since``), limite de taxa (balde de fichas), ``Host`` só do
    loopback (contra *DNS rebinding*; por outro ``Host``, como pelo jupyter-server-proxy, o
    ``join`` precisa da chave ``key``), apelidos únicos e sem caracteres de controle, e no modo
    sala de aula: tentativas de token limitadas por endereço e prazo para mandar o ``join``.
    """

    def __init__(self, path: str | pathlib.Path = ":memory:", *, host: str = LOOPBACK, port: int = 0,
                 token: str | None = None, instructor_token: str | None = None, origins: Iterable[str] = (),
                 max_size: int = MAX_SIZE, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic,
                 on_store: Callable[[dict], None] | None = None, logger: logging.Logger | None = None,
                 secret: str | bool = True, **serve_kwargs):
        self.path, self.token, self.origins = path, token, frozenset(origins)
        self.secret = new_secret() if secret is True else (secret or None)
        self.instructor_token, self.limits, self.clock = instructor_token, limits, clock
        self.key = token or secrets.token_urlsafe(16)  # a chave de quem chega por outro Host
        self.on_store = on_store
        self.online: dict[ServerConnection, str] = {}  # conexão → apelido, de quem entrou
        self.clients: dict[ServerConnection, str] = {}  # conexão → id do cliente (para reenvios)
        self.buckets: dict[ServerConnection, TokenBucket] = {}  # conexão → balde de fichas
        self.dropped: weakref.WeakSet[ServerConnection] = weakref.WeakSet()  # sendo fechadas
        self.foreign: weakref.WeakSet[ServerConnection] = weakref.WeakSet()  # chegaram com um Host fora do loopback
        self.token_tries: dict[str, TokenBucket] = {}  # endereço → tentativas de token
        self.counters = {"lentos": 0, "limitados": 0, "tokens errados": 0, "sem join": 0, "hosts recusados": 0}
        self.stats = RoomStats(clock, timer=time.perf_counter)  # o painel da turma: só contadores
        self.store: ChatStore | None = None
        self._closing: set[asyncio.Task] = set()
        serve_kwargs.setdefault("close_timeout", 5)
        serve_kwargs.setdefault("extensions", server_extensions())  # DEFLATE_SETTINGS: ≈ 16 KiB por conexão
        self.server = WebSocketServer(self.handler, host, port, max_size=max_size,
                                      process_request=self.process_request,
                                      logger=logger or logging.getLogger("curso.chat"), **serve_kwargs)

    # --- a lição: uma conexão do começo ao fim ------------------------------------------------

    async def handler(self, ws: ServerConnection) -> None:
        deadline = self.join_deadline(ws)
        try:
            async for raw in ws:                                # cada mensagem do cliente
                self.stats.received(len(raw))                   # (painel: um contador)
                if ws in self.dropped:                          # fechando (uma guarda): lê e descarta
                    continue
                try:
                    await self.route(ws, self.read(ws, raw))
                except BadMessage as problem:                   # só quem errou fica sabendo
                    self.push([ws], error_event(str(problem), problem.action))
                    if isinstance(problem, TooFast) and self.limits.penalty:
                        await self.pause(ws)                    # não lê: a enchente espera no TCP
        except ConnectionClosedError:
            pass                                                # caiu sem o CLOSE, ou quebrou o protocolo
        finally:
            if deadline is not None:
                deadline.cancel()
            self.unregister(ws, close_reason(_code(ws.protocol.close_sent), _code(ws.protocol.close_rcvd)))
            self.buckets.pop(ws, None)
            self.foreign.discard(ws)

    async def route(self, ws: ServerConnection, req: Request) -> None:
        self.check_rate(ws, req)
        if req.action == "join":
            return await self.join(ws, req)
        nick = self.online.get(ws)
        if nick is None:
            raise BadMessage('Primeiro entre na sala: {"action": "join", "nick": "seu apelido"}.', req.action)
        if req.action == "send":
            client, read_at = self.clients.get(ws), self.stats.timer()
            msg = self.store.add(nick, req.text, client, req.seq)   # 1. guarda no banco
            if msg is not None:                                     # (None: reenvio de algo já guardado)
                if self.on_store:
                    self.on_store(msg)
                self.push(self.online, message_event(msg))          # 2. empurra para todos
                self.stats.message(nick, msg["id"], len(self.online), read_at)  # (painel)
            if client and req.seq:  # quem numera as mensagens ganha um recibo (e pode reenviar sem medo)
                stored = msg or self.store.find(client, req.seq)
                self.push([ws], ack_event(req.seq, stored["id"]))
        elif req.action == "history":
            for page in history_pages(self.store.since(req.since, req.limit)):
                self.push([ws], page)
        elif req.action == "typing":
            self.push([c for c in self.online if c is not ws], typing_event(nick))
        elif req.action == "leave":
            self.unregister(ws, "saiu")
            await ws.close(1000, "até logo")

    async def join(self, ws: ServerConnection, req: Request) -> None:
        if ws in self.online:
            raise BadMessage(f"Você já entrou como {self.online[ws]!r}.", "join")
        refusal = self.check_token(ws, req)
        if refusal is not None:
            self.push([ws], error_event(refusal, "join"))
            await ws.close(1008, "token inválido")  # 1008: violação de política
            return
        self.check_nick(ws, req)
        self.online[ws] = req.nick                              # registrar
        self.stats.joined(req.nick)
        if req.client:
            self.clients[ws] = req.client
        missed = self.store.recent() if req.since is None else self.store.since(req.since)
        self.push([ws], welcome_event(req.nick, self.nicks(), self.store.last_id))
        for page in history_pages(missed):                      # histórico antes de qualquer novidade
            self.push([ws], page)
        self.push([c for c in self.online if c is not ws], presence_event(len(self.online), joined=req.nick))

    def unregister(self, ws: ServerConnection, reason: str = "saiu") -> None:
        self.clients.pop(ws, None)
        nick = self.online.pop(ws, None)                        # remover
        if nick is not None:
            self.stats.left(nick, reason)
            self.push(self.online, presence_event(len(self.online), left=nick))

    def nicks(self) -> list[str]:
        return list(self.online.values())

    # --- as guardas ---------------------------------------------------------------------------

    def push(self, connections: Iterable[ServerConnection], event: dict) -> None:
        """``push`` com a fila de saída limitada: quem acumula mais que ``limits.outgoing`` bytes
        sem ler (notebook travado, rede ruim, ou de propósito) sai da sala e é fechado com 1013.
        O ``close`` espera no máximo ``close_timeout`` segundos e derruba o TCP; o cliente volta
        com ``since`` e não perde nada (tudo está no banco)."""
        dropped = self.dropped
        data = encode(event).encode()
        written = deliver([c for c in connections if c not in dropped] if dropped else connections, data)
        self.stats.sent(len(written), len(data))
        bound = self.limits.outgoing
        if bound is None:
            return
        for conn in written:
            if conn.transport.get_write_buffer_size() > bound and not conn.transport.is_closing():
                self.counters["lentos"] += 1
                self.disconnect(conn, *SLOW)

    def disconnect(self, ws: ServerConnection, code: int, reason: str) -> None:
        self.dropped.add(ws)  # nada mais sai para ela; o que ela ainda mandar é ignorado
        self.unregister(ws, close_reason(code, None))
        task = asyncio.get_running_loop().create_task(ws.close(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def pause(self, ws: ServerConnection) -> None:
        """Fica ``limits.penalty`` segundos sem ler esta conexão (ou até ela fechar)."""
        try:
            await asyncio.wait_for(ws.wait_closed(), self.limits.penalty)
        except TimeoutError:
            pass

    def read(self, ws: ServerConnection, raw: str | bytes) -> Request:
        """``parse`` com o limite de taxa: uma mensagem malformada também gasta uma ficha, senão
        uma enchente de lixo ganharia uma resposta de erro para cada uma."""
        try:
            return parse(raw)
        except BadMessage as problem:
            self.check_rate(ws, Request(problem.action or "?"))
            raise

    def check_rate(self, ws: ServerConnection, req: Request) -> None:
        if self.limits.rate is None or req.action == "leave":
            return
        bucket = self.buckets.get(ws)
        if bucket is None:
            bucket = self.buckets[ws] = TokenBucket(self.limits.rate, self.limits.burst, self.clock)
        if not bucket.take(self.limits.history_cost if req.action == "history" else 1):
            self.counters["limitados"] += 1
            raise TooFast(f"Devagar: no máximo {exact(self.limits.rate)} mensagens por segundo (com "
                             f"rajadas de até {exact(self.limits.burst)}). Esta não foi aceita; espere "
                             "um pouco e mande de novo.", req.action)

    def check_token(self, ws: ServerConnection, req: Request) -> str | None:
        """``None`` se pode entrar; senão, a explicação da recusa."""
        needed = self.token is not None or ws in self.foreign
        if not needed:
            return None
        address = (ws.remote_address or ("?",))[0]
        tries = self.token_tries.get(address)
        if tries is not None and (tries.take(0) and tries.tokens < 1):  # take(0): só reabastece
            self.counters["tokens errados"] += 1
            return "Tentativas demais com token errado deste endereço: espere alguns segundos."
        given = (req.token or "").encode()
        if hmac.compare_digest(given, self.key.encode()) or (
                self.instructor_token and hmac.compare_digest(given, self.instructor_token.encode())):
            return None
        self.counters["tokens errados"] += 1
        if len(self.token_tries) > 10_000:  # não deixa a tabela crescer sem fim
            self.token_tries.clear()
        tries = self.token_tries.setdefault(
            address, TokenBucket(self.limits.token_rate, self.limits.token_burst, self.clock))
        tries.take()
        if ws in self.foreign and self.token is None:
            return ("Esta página veio por um endereço que não é o desta máquina: abra o link com "
                    "#token=… que o notebook mostra.")
        return "Token inválido ou ausente: peça o token a quem abriu a sala."

    def check_nick(self, ws: ServerConnection, req: Request) -> None:
        nick = req.nick.casefold()
        if self.token is not None and nick in RESERVED and not (
                self.instructor_token and hmac.compare_digest((req.token or "").encode(),
                                                              self.instructor_token.encode())):
            raise BadMessage(f"O apelido {req.nick!r} é reservado para quem dá a aula; escolha outro.", "join")
        for other, taken in list(self.online.items()):
            if taken.casefold() != nick:
                continue
            if req.client and self.clients.get(other) == req.client:  # o mesmo cliente, voltando
                self.disconnect(other, 1000, "você entrou de novo por outra conexão")
                continue
            raise BadMessage(f"O apelido {req.nick!r} já está em uso na sala; escolha outro.", "join")

    def join_deadline(self, ws: ServerConnection) -> asyncio.TimerHandle | None:
        if self.token is None or self.limits.join_timeout is None:
            return None

        def expire() -> None:
            if ws not in self.online:
                self.counters["sem join"] += 1
                self.disconnect(ws, 1008, "sem join a tempo")

        return asyncio.get_running_loop().call_later(self.limits.join_timeout, expire)

    # --- o painel da turma (helpers.chat.painel) ------------------------------------------------

    def painel_snapshot(self) -> dict:
        """A foto dos contadores, mais o que só se lê na hora: o buffer de envio de cada conexão
        (bytes que o TCP ainda não levou) e o RTT do último ping/pong (``ws.latency``)."""
        clients = [{"nick": nick, "buffer": ws.transport.get_write_buffer_size(),
                    "rtt": ws.latency or None} for ws, nick in self.online.items()]
        return self.stats.snapshot(len(self.online), clients, self.counters)

    def painel_allowed(self, authorization: str | None) -> bool:
        """O header ``Authorization: Bearer TOKEN`` traz o token do professor? Sem token do
        professor configurado, o painel fica fechado para todos."""
        if not self.instructor_token or not authorization:
            return False
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                 self.instructor_token.encode())

    def painel_response(self, conn: ServerConnection, request):
        """``GET /painel.json``: o estado do painel, só com o token do professor (nunca o da turma)."""
        if not self.painel_allowed(request.headers.get("Authorization")):
            self.counters["tokens errados"] += 1
            return conn.respond(403, "Proibido: o painel da turma pede o token do professor "
                                     "(--token-professor).\n")
        state = panel_state(self.painel_snapshot())
        response = conn.respond(200, encode(panel_json(state)))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # --- HTTP comum: a página, e o porteiro do handshake ---------------------------------------

    def process_request(self, conn: ServerConnection, request):
        """Antes do handshake: serve a página em ``/``; em ``/ws``, confere ``Host`` e ``Origin``."""
        path = strip_secret(urlsplit(request.path).path, self.secret)
        if path is None:
            return conn.respond(403, "Proibido: falta o segredo do link. Abra o link que o notebook "
                                     "mostrou (chat.page_url).\n")
        if path in PAGES:
            name, content_type = PAGES[path]
            body = (_STATIC / name).read_text(encoding="utf-8")
            if name == "chat.html":  # os limites do protocolo chegam à página por aqui
                body = body.replace("__LIMITES__", escape(encode(LIMITS)))
            response = conn.respond(200, body)
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = content_type
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Content-Security-Policy"] = CSP
            response.headers["X-Frame-Options"] = "DENY"
            return response
        if path == "/painel.json":
            return self.painel_response(conn, request)
        if path != "/ws":
            return conn.respond(404, "Não encontrado: a página do chat fica em / e o WebSocket em /ws.\n")
        origin, host = request.headers.get("Origin"), request.headers.get("Host")
        if not origin_allowed(origin, host, self.origins):
            return conn.respond(403, f"Origem não permitida: {origin}. Abra a página servida por este "
                                     "servidor (ou inclua a origem com --origem).\n")
        if origin is not None and _is_loopback(self.host) and not host_allowed(host, self.port):
            # Um navegador chegando por um nome que não é do loopback: DNS rebinding (evil.example
            # → 127.0.0.1) ou o jupyter-server-proxy. Os dois só entram com a chave (#token=…).
            self.counters["hosts recusados"] += 1
            self.foreign.add(conn)
        return keep_client_context_behind_proxy(conn, request)  # None: segue o handshake normal

    # --- ciclo de vida (o registro chama start/close) -----------------------------------------

    async def start(self) -> None:
        self.store = ChatStore(self.path)
        try:
            await self.server.start()
        except BaseException:
            self.store.close()
            raise

    async def close(self) -> None:
        await self.server.close()  # fecha as conexões (1001) e espera os handlers terminarem
        if self.store is not None:
            self.store.close()
            self.store = None

    @property
    def port(self) -> int | None:
        return self.server.port

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def prefix(self) -> str:
        """O começo de todo caminho deste servidor: ``/SEGREDO/`` (ou ``/``, sem segredo)."""
        return f"/{self.secret}/" if self.secret else "/"

    @property
    def ws_path(self) -> str:
        return f"{self.prefix}ws"

    @property
    def url(self) -> str:
        """A URL do WebSocket (``ws://127.0.0.1:PORTA/SEGREDO/ws``)."""
        return f"ws://{self.host}:{self.port}{self.ws_path}"

    @property
    def page_url(self) -> str:
        return f"http://{self.host}:{self.port}{self.prefix}"

    @property
    def page_link(self) -> str:
        """O caminho da página com a chave (``/SEGREDO/#token=…``), para abrir por outro ``Host``
        (JupyterHub/Binder): ``Link(chat.port, chat.page_link)``."""
        return f"{self.prefix}#token={self.key}"

    def __repr__(self) -> str:
        return f"ChatServer({str(self.path)!r}, porta {self.port}, {len(self.online)} na sala)"


# --- linha de comando ---------------------------------------------------------------------------

_EPILOG = f"""\
Modo sala de aula
  Por padrão o chat escuta só em 127.0.0.1 (esta máquina) e não pede token.
  Para a turma entrar, escolha outro endereço com --host (por exemplo 0.0.0.0,
  todas as interfaces de rede). Aí o token passa a ser OBRIGATÓRIO: use --token
  ou deixe o servidor gerar um (secrets.token_urlsafe) e imprimir na tela.
  Quem entra sem o token certo recebe um erro e a conexão fecha com 1008;
  tentativas erradas de token do mesmo endereço esperam alguns segundos, e quem
  conecta e não entra (join) em 10 s é desconectado. Os apelidos professor,
  professora, instrutor... ficam para quem usa o token do professor
  (--token-professor, gerado e mostrado só a você se não der um).

  Os alunos entram:
    pelo navegador: http://IP-DO-INSTRUTOR:{DEFAULT_PORT}/#token=TOKEN
      (o token vai depois do #, que o navegador não manda ao servidor)
    pelo notebook:
      from helpers.chat import ChatClient
      aluno = await registry.start("aluno", ChatClient(
          "ws://IP-DO-INSTRUTOR:{DEFAULT_PORT}/ws", "Seu nome", token="TOKEN"))
      aluno

  O painel da turma (conectados, mensagens por segundo, atraso, quem está lento
  ou caiu) abre em http://IP-DO-INSTRUTOR:{DEFAULT_PORT}/painel#token=TOKEN-DO-PROFESSOR,
  só com o token do professor.

  O histórico fica em PASTA/chat.sqlite3: parar e subir o servidor mantém as
  mensagens; apagar a pasta recomeça do zero. Sem TLS (ws://, não wss://): use
  só na rede da sala, e libere a porta no firewall se preciso.

Exemplos
  python3 curso.py chat
  python3 curso.py chat --host 0.0.0.0 --port {DEFAULT_PORT}
  python3 curso.py chat --host 0.0.0.0 --token minha-senha-da-turma
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="python3 curso.py chat",
        description="O chat do curso (capítulo 05): servidor WebSocket com histórico em SQLite e "
                    "a página do navegador, na mesma porta.",
        epilog=_EPILOG,
        formatter_class=lambda prog: RawHelpFormatter(prog, width=88),
    )
    parser.add_argument("--host", default=LOOPBACK,
                        help="endereço onde escutar (padrão: %(default)s, só esta máquina). "
                             "Outro endereço liga o modo sala de aula, com token obrigatório.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="porta (padrão: %(default)s; 0 = o sistema escolhe uma livre)")
    parser.add_argument("--token", help="token que os alunos precisam informar ao entrar "
                                        "(no modo sala de aula, gerado se você não der um)")
    parser.add_argument("--token-professor", dest="instructor_token", metavar="TOKEN",
                        help="token de quem dá a aula: só ele entra com os apelidos reservados "
                             "(professor, professora, instrutor...); no modo sala de aula, gerado "
                             "se você não der um")
    parser.add_argument("--dados", default="dados", metavar="PASTA",
                        help="pasta do banco chat.sqlite3 (padrão: %(default)s)")
    parser.add_argument("--origem", action="append", default=[], metavar="URL",
                        help="origem de página aceita além da própria (ex.: "
                             "https://hub.exemplo.edu); pode repetir")
    parser.add_argument("--taxa", type=float, default=Limits.rate, metavar="N",
                        help="mensagens por segundo aceitas de cada conexão (padrão: %(default)g, com "
                             f"rajadas de até {exact(Limits.burst)}); 0 desliga o limite")
    return parser


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    token: str | None
    data: pathlib.Path
    origins: tuple[str, ...]
    generated_token: bool = False
    instructor_token: str | None = None
    rate: float | None = Limits.rate

    @property
    def classroom(self) -> bool:
        """Modo sala de aula: escutando num endereço que outras máquinas alcançam."""
        return not _is_loopback(self.host)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """Um token novo (96 bits) que nunca começa com ``-``: colado de volta em ``--token`` na aula
    seguinte, o argparse o tomaria por uma opção ("esperava um valor")."""
    while (token := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return token


def configure(argv: list[str] | None = None) -> Settings:
    """Lê a linha de comando; fora do loopback, garante um token (gerando um, se preciso)."""
    args = build_parser().parse_args(argv)
    token, generated = args.token, False
    if token is not None and not token.strip():
        build_parser().error("o token não pode ser vazio")
    if not _is_loopback(args.host) and token is None:
        token, generated = new_token(), True
    instructor = args.instructor_token
    if token is not None and instructor is None:
        instructor = new_token()
    if instructor is not None and instructor == token:
        build_parser().error("o token do professor deve ser diferente do token da turma")
    if args.taxa < 0:
        build_parser().error("a taxa não pode ser negativa")
    return Settings(args.host, args.port, token, pathlib.Path(args.dados), tuple(args.origem), generated,
                    instructor, args.taxa or None)


def _lan_address() -> str:
    """O endereço desta máquina na rede local (conectar UDP não manda nenhum pacote)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): só escolhe a interface de saída
            return s.getsockname()[0]
        except OSError:
            return socket.gethostbyname(socket.gethostname())


async def serve(settings: Settings, ready: Callable[[ChatServer], None] | None = None) -> None:
    """Roda o chat até Ctrl+C (ou SIGTERM). Só para a linha de comando, nunca num notebook."""
    chat = ChatServer(settings.data / "chat.sqlite3", host=settings.host, port=settings.port,
                      token=settings.token, instructor_token=settings.instructor_token,
                      origins=settings.origins, secret=False,
                      limits=dataclasses.replace(Limits(), rate=settings.rate))
    await chat.start()
    stop = asyncio.get_running_loop().create_future()
    if sys.platform != "win32":
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.cancel)
    try:
        if ready is not None:
            ready(chat)
        await stop
    except asyncio.CancelledError:
        pass
    finally:
        await chat.close()


def _announce(settings: Settings, chat: ChatServer) -> None:
    where = _lan_address() if settings.host in ("0.0.0.0", "::", "") else settings.host
    base = f"http://{where}:{chat.port}/"
    print(f"Chat do curso escutando em {settings.host}:{chat.port}")
    print(f"  banco: {settings.data / 'chat.sqlite3'} (apague a pasta para recomeçar)")
    if settings.classroom:
        print("  MODO SALA DE AULA: outras máquinas da rede alcançam este servidor.")
        print(f"  token{' (gerado agora)' if settings.generated_token else ''}: {settings.token}")
        print(f"  navegador: {base}#token={settings.token}")
        print(f'  notebook:  ChatClient("ws://{where}:{chat.port}/ws", "Seu nome", token="{settings.token}")')
        print(f"  só para você (apelido professor): {base}#token={settings.instructor_token}&apelido=professor")
    else:
        print(f"  página:    {base}#token={chat.key}")
        print(f"  pelo JupyterHub/Binder: …/proxy/127.0.0.1:{chat.port}/#token={chat.key} "
              "(a chave é pedida a quem chega por outro endereço)")
        print(f"  WebSocket: ws://{where}:{chat.port}/ws")
    if settings.instructor_token:
        print(f"  painel da turma (só para você): {base}painel#token={settings.instructor_token}")
    print("Ctrl+C para parar.", flush=True)


def main(argv: list[str] | None = None) -> int:
    settings = configure(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(settings, lambda chat: _announce(settings, chat)))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"Não consegui abrir o servidor: {exc}", file=sys.stderr)
        return 1
    print("Chat encerrado.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
