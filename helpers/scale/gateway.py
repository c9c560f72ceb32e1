"""O modelo WebSocket do Amazon API Gateway, rodando localmente no kernel.

Introduzido no notebook 07 (Escala e gateways). Muitos chats são publicados no API Gateway; aqui
o mesmo modelo roda em 127.0.0.1, para ver cada peça funcionando.

O modelo (documentação da AWS, "WebSocket APIs in API Gateway"):

* o **gateway** mantém as conexões WebSocket com os clientes; o seu código (*backend*) não vê
  sockets, só **eventos**. Cada conexão ganha um ``connectionId``;
* rotas ``$connect`` (na abertura; uma resposta com ``statusCode`` fora de 2xx recusa a
  conexão), ``$disconnect`` (no fechamento) e ``$default`` (quando nenhuma outra serve);
* rotas próprias escolhidas pela **expressão de seleção de rota**, em geral
  ``$request.body.action``: a mensagem ``{"action": "sendmessage", ...}`` vai para a rota
  ``sendmessage``; corpo que não é JSON, sem ``action`` ou com uma ação desconhecida vai para
  ``$default``;
* cada rota chama uma função com a forma de um handler de Lambda: ``handler(event, context)``
  devolvendo ``{"statusCode": 200}``;
* o backend fala com um cliente pela **API de gerenciamento** HTTP:
  ``POST @connections/{connectionId}`` (corpo = dados a enviar), ``GET`` (informações da
  conexão) e ``DELETE`` (desconecta). Um id que não existe mais responde **410 Gone**.

**Autorização no** ``$connect``. O handshake é o único momento HTTP da conexão (um ``GET`` com
headers e query string); depois dele só há frames. Por isso a autorização da AWS mora ali: um
**autorizador Lambda** do tipo ``REQUEST`` (ou IAM, com a requisição assinada). ``authorizer=``
faz o mesmo aqui: ``authorizer(event, context)`` recebe ``headers``, ``queryStringParameters`` e
``methodArn`` e devolve uma política (``allow``/``deny`` montam uma); ``Deny`` recusa com 403 e
uma exceção ``Unauthorized`` com 401, antes de a rota ``$connect`` rodar. Com
``identity_source=["route.request.querystring.ticket"]``, se o parâmetro faltar, o gateway
responde 401 sem nem chamar o autorizador. O que o autorizador devolve em ``context`` chega à
rota ``$connect`` em ``requestContext.authorizer`` (com o ``principalId``).

``LocalGateway`` é um recurso do ``registry``: ``ws_url`` é o endereço dos clientes e
``management_url`` o endpoint da API de gerenciamento (o mesmo
``https://{domainName}/{stage}`` da AWS, aqui ``http://127.0.0.1:PORTA/dev``). Handlers comuns
(``def``) rodam numa thread, como numa Lambda, e podem usar ``ManagementApi`` (mesmos nomes do
cliente ``apigatewaymanagementapi`` do boto3); handlers ``async def`` rodam no laço do kernel.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import itertools
import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from aiohttp import WSMsgType, web

from ..core.lifecycle import HttpServer

__all__ = [
    "Connection",
    "Unauthorized",
    "allow",
    "deny",
    "GoneException",
    "LambdaContext",
    "LocalGateway",
    "ManagementApi",
    "new_connection_id",
    "select_route",
]

log = logging.getLogger("curso.gateway")

CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"


def new_connection_id() -> str:
    """Um id opaco no estilo da AWS (``L0SM9cOFvHcCIhw=``): 10 bytes aleatórios em base64."""
    return base64.b64encode(os.urandom(10)).decode()


def select_route(body: str, routes, expression: str = "$request.body.action") -> str:
    """A rota de uma mensagem: o valor de ``expression`` no corpo JSON, se houver essa rota;
    senão ``$default``. Só expressões ``$request.body.<campo>[.<campo>...]``."""
    prefix = "$request.body."
    if not expression.startswith(prefix):
        raise ValueError(f"expressão de seleção não suportada: {expression!r}")
    try:
        value = json.loads(body)
    except (TypeError, ValueError):
        return DEFAULT
    for key in expression[len(prefix):].split("."):
        if not isinstance(value, dict) or key not in value:
            return DEFAULT
        value = value[key]
    if isinstance(value, str) and value in routes and not value.startswith("$"):
        return value
    return DEFAULT


class Unauthorized(Exception):
    """Levantada por um autorizador: o gateway responde 401 (como ``raise Exception("Unauthorized")``
    numa Lambda autorizadora da AWS)."""


def _policy(effect: str, principal: str, resource: str, context: dict | None) -> dict:
    return {"principalId": principal,
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                                              "Resource": resource}]},
            "context": dict(context or {})}


def allow(principal: str, resource: str, context: dict | None = None) -> dict:
    """A resposta de um autorizador que deixa ``principal`` conectar (``resource``: o ``methodArn``)."""
    return _policy("Allow", principal, resource, context)


def deny(principal: str, resource: str) -> dict:
    """A resposta de um autorizador que recusa a conexão (o cliente recebe 403)."""
    return _policy("Deny", principal, resource, None)


def _identity_present(source: str, request: web.Request) -> bool:
    """``route.request.querystring.X`` ou ``route.request.header.X`` está na requisição?"""
    kind, _, name = source.removeprefix("route.request.").partition(".")
    if kind == "querystring":
        return bool(request.query.get(name))
    if kind == "header":
        return bool(request.headers.get(name))
    raise ValueError(f"fonte de identidade não suportada: {source!r}")


class GoneException(Exception):
    """410 Gone: a conexão não existe mais (o cliente saiu)."""


@dataclass
class LambdaContext:
    """O essencial do ``context`` de uma Lambda."""

    function_name: str
    aws_request_id: str


@dataclass
class Connection:
    """Uma conexão que o gateway mantém aberta."""

    id: str
    ws: web.WebSocketResponse
    label: str
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ManagementApi:
    """Cliente da API de gerenciamento (síncrono, como o boto3 dentro de uma Lambda).

    >>> api = ManagementApi(gateway.management_url)
    >>> api.post_to_connection(ConnectionId=cid, Data=b'{"texto": "oi"}')
    """

    def __init__(self, endpoint_url: str, timeout: float = 5.0):
        self.endpoint_url, self.timeout = endpoint_url.rstrip("/"), timeout

    def _call(self, method: str, connection_id: str, data: bytes | None = None) -> bytes:
        url = f"{self.endpoint_url}/@connections/{urllib.request.quote(connection_id, safe='')}"
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 410:
                raise GoneException(f"conexão {connection_id} não existe mais") from None
            raise

    def post_to_connection(self, *, ConnectionId: str, Data: bytes | str) -> None:  # noqa: N803
        self._call("POST", ConnectionId, Data.encode() if isinstance(Data, str) else Data)

    def get_connection(self, *, ConnectionId: str) -> dict:  # noqa: N803
        return json.loads(self._call("GET", ConnectionId))

    def delete_connection(self, *, ConnectionId: str) -> None:  # noqa: N803
        self._call("DELETE", ConnectionId)


Handler = Callable[[dict, LambdaContext], object]


class LocalGateway:
    """Um API Gateway de WebSocket local: rotas → handlers, ``connectionId``, ``@connections``.

    ``routes``: ``{"$connect": f, "$disconnect": g, "$default": h, "sendmessage": k}``.
    ``on_trace(origem, destino, rótulo)`` (opcional) é chamado a cada passo, para desenhar.
    """

    def __init__(self, routes: dict[str, Handler], stage: str = "dev",
                 selection: str = "$request.body.action",
                 on_trace: Callable[[str, str, str], None] | None = None,
                 authorizer: Handler | None = None, identity_source: list[str] | None = None):
        self.routes, self.stage, self.selection = dict(routes), stage, selection
        self.on_trace = on_trace
        self.authorizer, self.identity_source = authorizer, list(identity_source or [])
        self.connections: dict[str, Connection] = {}
        self.invocations: list[tuple[str, str]] = []  # (rota, connectionId), em ordem
        self._done: list[str] = []  # rotas $connect/$disconnect que já terminaram
        self.errors: list[BaseException] = []
        self._ids = itertools.count(1)
        self._invoked = asyncio.Condition()
        self._server: HttpServer | None = None

    # --- ciclo de vida --------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(f"/{self.stage}", self._websocket)
        path = f"/{self.stage}/@connections/{{connection_id}}"
        app.router.add_post(path, self._post)
        app.router.add_get(path, self._get)
        app.router.add_delete(path, self._delete)
        self._server = HttpServer(app)
        await self._server.start()

    async def close(self) -> None:
        for conn in list(self.connections.values()):
            await conn.ws.close()
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def port(self) -> int | None:
        return None if self._server is None else self._server.port

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/{self.stage}"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.stage}"

    # --- chamando os handlers -------------------------------------------------------------

    def _trace(self, src: str, dst: str, label: str) -> None:
        if self.on_trace is not None:
            self.on_trace(src, dst, label)

    def _event(self, route: str, conn_id: str, event_type: str, request: web.Request,
               body: str | None = None) -> dict:
        event = {
            "requestContext": {
                "routeKey": route,
                "eventType": event_type,
                "connectionId": conn_id,
                "domainName": request.host,
                "stage": self.stage,
                "requestId": f"req-{next(self._ids)}",
                "connectedAt": int(self.connections[conn_id].connected_at * 1000)
                if conn_id in self.connections else int(time.time() * 1000),
            },
            "isBase64Encoded": False,
        }
        if event_type == "CONNECT":
            event["headers"] = dict(request.headers)
            event["queryStringParameters"] = dict(request.query) or None
        if body is not None:
            event["body"] = body
        return event

    async def _invoke(self, route: str, event: dict, label: str) -> dict | None:
        handler = self.routes.get(route)
        if handler is None:
            return None
        conn_id = event["requestContext"]["connectionId"]
        self.invocations.append((route, conn_id))
        self._trace("gateway", "Lambda", f"{route} ({label})")
        context = LambdaContext(getattr(handler, "__name__", "handler"),
                                event["requestContext"]["requestId"])
        if inspect.iscoroutinefunction(handler):
            result = await handler(event, context)
        else:
            result = await asyncio.to_thread(handler, event, context)
        return result if isinstance(result, dict) else {"statusCode": 200}

    async def invoked(self, route: str, count: int = 1, timeout: float = 5.0) -> None:
        """Espera (no máximo ``timeout`` s) até a rota ``route`` ter sido chamada ``count`` vezes
        e ter terminado. Um ``$disconnect`` roda depois que o cliente fecha; é assim que se espera
        por ele sem ``sleep``."""
        async with asyncio.timeout(timeout), self._invoked:
            await self._invoked.wait_for(lambda: self._done.count(route) >= count)

    async def _finished(self, route: str) -> None:
        async with self._invoked:
            self._done.append(route)
            self._invoked.notify_all()

    async def _authorize(self, request: web.Request, conn_id: str, label: str) -> tuple[int, dict | None]:
        """(status, requestContext.authorizer): 200 e o contexto, ou 401/403/500 e ``None``."""
        if not all(_identity_present(source, request) for source in self.identity_source):
            self._trace("gateway", label, "401: falta a identidade (o autorizador nem é chamado)")
            return 401, None
        event = self._event(CONNECT, conn_id, "CONNECT", request)
        event.update(type="REQUEST", methodArn=f"arn:aws:execute-api:local:000000000000:curso/"
                                                  f"{self.stage}/$connect")
        context = LambdaContext(getattr(self.authorizer, "__name__", "authorizer"),
                                event["requestContext"]["requestId"])
        self._trace("gateway", "Lambda", f"autorizador ({label})")
        try:
            if inspect.iscoroutinefunction(self.authorizer):
                policy = await self.authorizer(event, context)
            else:
                policy = await asyncio.to_thread(self.authorizer, event, context)
        except Unauthorized:
            return 401, None
        except Exception as exc:
            self.errors.append(exc)
            log.warning("authorizer raised %r", exc)
            return 500, None
        statements = (policy or {}).get("policyDocument", {}).get("Statement", [])
        if not statements or any(st.get("Effect") != "Allow" for st in statements):
            return 403, None
        return 200, {"principalId": policy.get("principalId"), **policy.get("context", {})}

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        conn_id = new_connection_id()
        label = request.query.get("nome", "anônimo")  # só para o desenho
        ws = web.WebSocketResponse()
        conn = Connection(conn_id, ws, label, request.remote or "", request.headers.get("User-Agent", ""))
        self.connections[conn_id] = conn
        self._trace(label, "gateway", "handshake (upgrade)")
        authorized = None
        if self.authorizer is not None or self.identity_source:
            status, authorized = await self._authorize(request, conn_id, label)
            if status != 200:
                self.connections.pop(conn_id, None)
                self._trace("gateway", label, f"{status}: conexão recusada pelo autorizador")
                return web.Response(status=status, text="Conexão recusada pelo autorizador.\n")
        event = self._event(CONNECT, conn_id, "CONNECT", request)
        if authorized is not None:
            event["requestContext"]["authorizer"] = authorized
        try:
            result = await self._invoke(CONNECT, event, label)
        except Exception as exc:
            self.errors.append(exc)
            log.warning("$connect handler raised %r", exc)
            result = {"statusCode": 500}
        await self._finished(CONNECT)
        status = int((result or {"statusCode": 200}).get("statusCode", 200))
        if not 200 <= status < 300:
            self.connections.pop(conn_id, None)
            self._trace("gateway", label, f"{status}: conexão recusada")
            return web.Response(status=status, text="Conexão recusada pela rota $connect.\n")
        await ws.prepare(request)
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                conn.last_active_at = time.time()
                await self._message(request, conn, frame.data)
        finally:
            self.connections.pop(conn_id, None)
            event = self._event(DISCONNECT, conn_id, "DISCONNECT", request)
            try:
                await self._invoke(DISCONNECT, event, label)
            except Exception as exc:
                self.errors.append(exc)
                log.warning("$disconnect handler raised %r", exc)
            finally:
                await self._finished(DISCONNECT)
        return ws

    async def _message(self, request: web.Request, conn: Connection, body: str) -> None:
        route = select_route(body, self.routes, self.selection)
        self._trace(conn.label, "gateway", f"frame → rota {route}")
        event = self._event(route, conn.id, "MESSAGE", request, body)
        event["requestContext"]["messageId"] = f"msg-{next(self._ids)}"
        try:
            result = await self._invoke(route, event, conn.label)
        except Exception as exc:
            self.errors.append(exc)
            log.warning("route %s handler raised %r", route, exc)
            await conn.ws.send_str(json.dumps({
                "message": "Internal server error", "connectionId": conn.id,
                "erro": f"O handler da rota {route} falhou; o gateway continua no ar."}))
            return
        if result is None:  # nenhuma rota e nenhum $default
            await conn.ws.send_str(json.dumps({
                "message": "Forbidden", "connectionId": conn.id,
                "erro": "Nenhuma rota para esta mensagem e não há rota $default."}))

    # --- API de gerenciamento -------------------------------------------------------------

    def _find(self, request: web.Request) -> Connection:
        conn = self.connections.get(request.match_info["connection_id"])
        if conn is None or conn.ws.closed:
            raise web.HTTPGone(text=json.dumps({"message": "GoneException",
                                                "erro": "Essa conexão não existe mais."}),
                               content_type="application/json")
        return conn

    async def _post(self, request: web.Request) -> web.Response:
        conn = self._find(request)
        data = await request.read()
        self._trace("Lambda", "gateway", f"POST @connections/{conn.label}")
        try:
            await conn.ws.send_str(data.decode("utf-8"))
        except UnicodeDecodeError:
            await conn.ws.send_bytes(data)
        except ConnectionError:
            raise web.HTTPGone() from None
        self._trace("gateway", conn.label, "frame")
        return web.Response(status=200)

    async def _get(self, request: web.Request) -> web.Response:
        conn = self._find(request)
        return web.json_response({
            "connectedAt": _iso(conn.connected_at),
            "lastActiveAt": _iso(conn.last_active_at),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
        })

    async def _delete(self, request: web.Request) -> web.Response:
        conn = self._find(request)
        self._trace("Lambda", "gateway", f"DELETE @connections/{conn.label}")
        await conn.ws.close(code=1000, message=b"desconectado pelo backend")
        return web.Response(status=204)

    def __repr__(self) -> str:
        return f"LocalGateway(rotas={list(self.routes)!r}, conexões={len(self.connections)})"
