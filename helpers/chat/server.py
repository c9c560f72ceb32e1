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
servidor manda passa por ``push``, que usa o ``broadcast`` do
``websockets``: escreve na hora, sem ``await``, na ordem das chamadas. Por isso quem entra recebe
o histórico antes de qualquer mensagem nova, sem buraco nem repetição.

Pela linha de comando (``python3 curso.py chat --help``)::

    python3 curso.py chat                              # 127.0.0.1:8765, sem token
    python3 curso.py chat --host 0.0.0.0 --port 8765   # modo sala de aula: token obrigatório
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import pathlib
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.exceptions import ConnectionClosedError

from ..core.cli import ArgumentParser, RawHelpFormatter
from ..core.lifecycle import LOOPBACK, WebSocketServer
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

__all__ = ["DEFAULT_PORT", "ChatServer", "Settings", "build_parser", "configure", "main", "push"]

DEFAULT_PORT = 8765
_STATIC = pathlib.Path(__file__).parent.parent / "static"
PAGES = {  # o que o servidor entrega por HTTP comum (caminho → arquivo, tipo)
    "/": ("chat.html", "text/html; charset=utf-8"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8"),
    "/chat.css": ("chat.css", "text/css; charset=utf-8"),
}
# A página só carrega o que vem dela mesma e só abre conexões para a mesma origem.
CSP = "default-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"


def push(connections: Iterable[ServerConnection], event: dict) -> None:
    """Manda ``event`` (JSON) a cada conexão, na hora e sem ``await`` (``websockets.broadcast``).

    Pula as conexões cujo TCP já caiu e que o handler ainda não removeu (escrever nelas
    só faria o asyncio reclamar no log).
    """
    broadcast([c for c in connections if not c.transport.is_closing()], encode(event))


class ChatServer:
    """O chat como recurso do registro: ``await registry.start("chat", ChatServer("dados/chat.sqlite3"))``.

    ``token``: se dado, o ``join`` precisa trazê-lo (modo sala de aula). ``origins``: origens
    aceitas além da mesma origem (ver ``protocol.origin_allowed``). ``on_store``: função
    chamada com cada mensagem guardada (o notebook desenha o INSERT no diagrama).
    ``secret``: o segredo do caminho (``True``: gera um; ``False``: sem segredo, como na linha
    de comando). ``chat.url``, ``chat.page_url`` e ``chat.path`` já o incluem.
    """

    def __init__(self, path: str | pathlib.Path = ":memory:", *, host: str = LOOPBACK, port: int = 0,
                 token: str | None = None, origins: Iterable[str] = (), max_size: int = MAX_SIZE,
                 on_store: Callable[[dict], None] | None = None, logger: logging.Logger | None = None,
                 secret: str | bool = True, **serve_kwargs):
        self.path, self.token, self.origins = path, token, frozenset(origins)
        self.secret = new_secret() if secret is True else (secret or None)
        self.on_store = on_store
        self.online: dict[ServerConnection, str] = {}  # conexão → apelido, de quem entrou
        self.clients: dict[ServerConnection, str] = {}  # conexão → id do cliente (para reenvios)
        self.store: ChatStore | None = None
        self.server = WebSocketServer(self.handler, host, port, max_size=max_size,
                                      process_request=self.process_request,
                                      logger=logger or logging.getLogger("curso.chat"), **serve_kwargs)

    # --- a lição: uma conexão do começo ao fim ------------------------------------------------

    async def handler(self, ws: ServerConnection) -> None:
        try:
            async for raw in ws:                                # cada mensagem do cliente
                try:
                    await self.route(ws, parse(raw))
                except BadMessage as problem:                   # só quem errou fica sabendo
                    push([ws], error_event(str(problem), problem.action))
        except ConnectionClosedError:
            pass                                                # caiu sem o CLOSE, ou quebrou o protocolo
        finally:
            self.unregister(ws)                                 # aconteça o que acontecer

    async def route(self, ws: ServerConnection, req: Request) -> None:
        if req.action == "join":
            return await self.join(ws, req)
        nick = self.online.get(ws)
        if nick is None:
            raise BadMessage('Primeiro entre na sala: {"action": "join", "nick": "seu apelido"}.', req.action)
        if req.action == "send":
            client = self.clients.get(ws)
            msg = self.store.add(nick, req.text, client, req.seq)   # 1. guarda no banco
            if msg is not None:                                     # (None: reenvio de algo já guardado)
                if self.on_store:
                    self.on_store(msg)
                push(self.online, message_event(msg))               # 2. empurra para todos
            if client and req.seq:  # quem numera as mensagens ganha um recibo (e pode reenviar sem medo)
                stored = msg or self.store.find(client, req.seq)
                push([ws], ack_event(req.seq, stored["id"]))
        elif req.action == "history":
            for page in history_pages(self.store.since(req.since, req.limit)):
                push([ws], page)
        elif req.action == "typing":
            push([c for c in self.online if c is not ws], typing_event(nick))
        elif req.action == "leave":
            self.unregister(ws)
            await ws.close(1000, "até logo")

    async def join(self, ws: ServerConnection, req: Request) -> None:
        if ws in self.online:
            raise BadMessage(f"Você já entrou como {self.online[ws]!r}.", "join")
        if self.token is not None and not hmac.compare_digest(
                (req.token or "").encode(), self.token.encode()):
            push([ws], error_event("Token inválido ou ausente: peça o token a quem abriu a sala.", "join"))
            await ws.close(1008, "token inválido")  # 1008: violação de política
            return
        self.online[ws] = req.nick                              # registrar
        if req.client:
            self.clients[ws] = req.client
        missed = self.store.recent() if req.since is None else self.store.since(req.since)
        push([ws], welcome_event(req.nick, self.nicks(), self.store.last_id))
        for page in history_pages(missed):                      # histórico antes de qualquer novidade
            push([ws], page)
        push([c for c in self.online if c is not ws], presence_event(self.nicks(), joined=req.nick))

    def unregister(self, ws: ServerConnection) -> None:
        self.clients.pop(ws, None)
        nick = self.online.pop(ws, None)                        # remover
        if nick is not None:
            push(self.online, presence_event(self.nicks(), left=nick))

    def nicks(self) -> list[str]:
        return list(self.online.values())

    # --- HTTP comum: a página, e o porteiro do handshake ---------------------------------------

    def process_request(self, conn: ServerConnection, request):
        """Antes do handshake: serve a página em ``/``; em ``/ws``, confere o ``Origin``."""
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
            return response
        if path != "/ws":
            return conn.respond(404, "Não encontrado: a página do chat fica em / e o WebSocket em /ws.\n")
        origin = request.headers.get("Origin")
        if not origin_allowed(origin, request.headers.get("Host"), self.origins):
            return conn.respond(403, f"Origem não permitida: {origin}. Abra a página servida por este "
                                     "servidor (ou inclua a origem com --origem).\n")
        return None  # segue o handshake normal

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

    def __repr__(self) -> str:
        return f"ChatServer({str(self.path)!r}, porta {self.port}, {len(self.online)} na sala)"


# --- linha de comando ---------------------------------------------------------------------------

_EPILOG = f"""\
Modo sala de aula
  Por padrão o chat escuta só em 127.0.0.1 (esta máquina) e não pede token.
  Para a turma entrar, escolha outro endereço com --host (por exemplo 0.0.0.0,
  todas as interfaces de rede). Aí o token passa a ser OBRIGATÓRIO: use --token
  ou deixe o servidor gerar um (secrets.token_urlsafe) e imprimir na tela.
  Quem entra sem o token certo recebe um erro e a conexão fecha com 1008.

  Os alunos entram:
    pelo navegador: http://IP-DO-INSTRUTOR:{DEFAULT_PORT}/#token=TOKEN
      (o token vai depois do #, que o navegador não manda ao servidor)
    pelo notebook:
      from helpers.chat import ChatClient
      aluno = await registry.start("aluno", ChatClient(
          "ws://IP-DO-INSTRUTOR:{DEFAULT_PORT}/ws", "Seu nome", token="TOKEN"))
      aluno

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
    parser.add_argument("--dados", default="dados", metavar="PASTA",
                        help="pasta do banco chat.sqlite3 (padrão: %(default)s)")
    parser.add_argument("--origem", action="append", default=[], metavar="URL",
                        help="origem de página aceita além da própria (ex.: "
                             "https://hub.exemplo.edu); pode repetir")
    return parser


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    token: str | None
    data: pathlib.Path
    origins: tuple[str, ...]
    generated_token: bool = False

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


def configure(argv: list[str] | None = None) -> Settings:
    """Lê a linha de comando; fora do loopback, garante um token (gerando um, se preciso)."""
    args = build_parser().parse_args(argv)
    token, generated = args.token, False
    if token is not None and not token.strip():
        build_parser().error("o token não pode ser vazio")
    if not _is_loopback(args.host) and token is None:
        token, generated = secrets.token_urlsafe(12), True
    return Settings(args.host, args.port, token, pathlib.Path(args.dados), tuple(args.origem), generated)


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
                      token=settings.token, origins=settings.origins, secret=False)
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
    else:
        print(f"  página:    {base}" + (f"#token={settings.token}" if settings.token else ""))
        print(f"  WebSocket: ws://{where}:{chat.port}/ws")
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
