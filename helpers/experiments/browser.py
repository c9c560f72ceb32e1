"""Os servidores que o JavaScript da página alcança: o laboratório do navegador do capítulo 04.

Introduzido no notebook 04 (seção "WebSocket no navegador: a API JavaScript"), junto com o
console do navegador (``helpers.widgets.console``).

Teoria de operação
------------------
Um ``BrowserLab`` é um servidor aiohttp em 127.0.0.1 com um **tap** na frente
(``HttpDecoder`` que vira ``WsDecoder`` depois do ``101``): tudo o que o navegador manda e recebe
passa pelo tap, e o diagrama de sequência desenha cada requisição e cada frame. Atrás do segredo
do caminho (``/SEGREDO/``, como o chat do capítulo 05: num hub compartilhado, o loopback é de
todos) ficam:

* ``eco``: WebSocket que devolve cada mensagem; combina o subprotocolo (``chat.v1``) e a
  compressão (permessage-deflate) com quem pedir. A mensagem ``me pingue`` faz o servidor mandar
  um ping, que o navegador responde sozinho, sem o JavaScript ver nada. A resposta a ``quem sou
  eu?`` conta o que chegou no handshake (subprotocolo, ``?token=``, ``Origin``);
* ``mensagens`` (``GET ?since=N[&espera=S]``, ``POST``) e ``sse?since=N``: a sala do capítulo 03
  (``helpers.chat.httpapi``) com o SSE do capítulo 07 (``helpers.scale.techniques``), usados como
  estão, sem mudar nada neles.

O JupyterLab é servido de outra porta: para o navegador, o laboratório é **outra origem**. O
WebSocket não liga para isso (o servidor é que deveria conferir o ``Origin``); ``fetch`` e
``EventSource`` só leem a resposta se o servidor permitir (CORS): o middleware daqui responde
``Access-Control-Allow-Origin`` e o *preflight* ``OPTIONS``. Pelo jupyter-server-proxy (hub,
Binder) a página e o laboratório têm a mesma origem e isso nem entra em jogo.
"""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from ..chat.httpapi import ChatRoom, create_app
from ..core.lifecycle import HttpServer
from ..core.links import new_secret, strip_secret, url_for_port
from ..traffic.httpdecode import HttpDecoder
from ..traffic.tap import Tap
from ..traffic.wsdecode import WsDecoder

__all__ = ["SUBPROTOCOLS", "BrowserLab", "echo", "handshake_facts"]

SUBPROTOCOLS = ("chat.v1",)  # os que o eco aceita; o navegador oferece uma lista em ordem de preferência


def handshake_facts(request: web.Request, protocol: str | None) -> dict:
    """O que o servidor ficou sabendo no handshake: o que o JavaScript pode (e não pode) mandar."""
    return {"subprotocolo": protocol, "token": request.query.get("token"),
            "origem": request.headers.get("Origin"),
            "extensões pedidas": request.headers.get("Sec-WebSocket-Extensions")}


async def echo(request: web.Request) -> web.WebSocketResponse:
    """GET /eco: o WebSocket de eco do laboratório (texto e binário voltam como vieram)."""
    ws = web.WebSocketResponse(protocols=SUBPROTOCOLS, max_msg_size=8 * 2**20)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT and msg.data == "me pingue":
            await ws.ping(b"ainda ai?")
        elif msg.type == WSMsgType.TEXT and msg.data == "quem sou eu?":
            await ws.send_str(json.dumps(handshake_facts(request, ws.ws_protocol), ensure_ascii=False))
        elif msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


def _guard(secret: str | None):
    @web.middleware
    async def guard(request: web.Request, handler):
        if strip_secret(request.path, secret) is None:
            raise web.HTTPForbidden(text="Proibido: falta o segredo do caminho (use servidor.http/servidor.ws).\n")
        if request.method == "OPTIONS":  # preflight: o navegador pergunta antes de um POST com JSON
            return web.Response(status=204)
        return await handler(request)

    return guard


async def _cors(request: web.Request, response: web.StreamResponse) -> None:
    """Os headers de CORS, postos antes de a resposta sair (inclusive a do SSE, que o handler
    começa a mandar por conta própria, e os erros)."""
    if request.headers.get("Upgrade", "").lower() != "websocket":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"


class BrowserLab:
    """O servidor do laboratório do navegador, com o tap na frente. Use com o registro::

        lab = await registry.start("lab-js", BrowserLab())
        diagrama.follow(lab.tap, client="navegador")
        BrowserConsole(codigo, base=lab.base)

    ``real_per_sim`` encolhe a ``espera`` do long polling (como no capítulo 03).
    """

    def __init__(self, *, secret: str | bool = True, real_per_sim: float = 1.0):
        self.secret = new_secret() if secret is True else (secret or None)
        self.room = ChatRoom()
        self.http: HttpServer | None = None
        self.tap: Tap | None = None
        self.real_per_sim = real_per_sim

    def app(self) -> web.Application:
        from ..scale.techniques import sse_stream, SSE_HEARTBEAT, SSE_RESUMED, SSE_RETRY

        inner = create_app(self.room, real_per_sim=self.real_per_sim)
        inner[SSE_RETRY], inner[SSE_HEARTBEAT], inner[SSE_RESUMED] = 1000, 15.0, []
        inner.router.add_get("/sse", sse_stream)
        inner.router.add_get("/eco", echo)
        if self.secret is None:
            inner.middlewares.insert(0, _guard(None))
            inner.on_response_prepare.append(_cors)
            return inner
        outer = web.Application(middlewares=[_guard(self.secret)])
        outer.on_response_prepare.append(_cors)
        outer.add_subapp(self.prefix.rstrip("/"), inner)
        return outer

    async def start(self) -> None:
        self.http = HttpServer(self.app())
        await self.http.start()
        self.tap = Tap(self.http.port, decoder=lambda conn: HttpDecoder(conn, upgrade=WsDecoder))
        try:
            await self.tap.start()
        except BaseException:
            await self.http.close()
            raise

    async def close(self) -> None:
        from ..widgets.console import server_stopped

        if self.tap is not None:
            if self.port:  # os consoles desta base avisam, em vez de esperar para sempre
                server_stopped(self.base)
            await self.tap.close()
        if self.http is not None:
            await self.http.close()

    def label(self, event) -> str | None:
        """O rótulo de uma seta sem o segredo (``GET /…/eco``): para o diagrama, e para o projetor."""
        if self.secret and self.secret in event.summary:
            return event.summary.replace(self.secret, "…")
        return None

    @property
    def prefix(self) -> str:
        """O começo de todo caminho: ``/SEGREDO/`` (ou ``/``, sem segredo)."""
        return f"/{self.secret}/" if self.secret else "/"

    @property
    def port(self) -> int | None:
        """A porta do tap (é nela que o navegador conecta)."""
        return self.tap.port if self.tap is not None else None

    @property
    def base(self) -> str:
        """A URL base para o navegador do aluno (direta ou pelo jupyter-server-proxy)."""
        return url_for_port(self.port, self.prefix)

    def __repr__(self) -> str:
        return f"BrowserLab(porta {self.port}, {len(self.room)} mensagens na sala)"
