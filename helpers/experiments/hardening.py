"""Blindagem de um servidor WebSocket: a mesma aplicação, ingênua ou protegida.

Introduzido no notebook 06 (Uso consciente), no laboratório de segurança.

Teoria de operação
------------------
O servidor que está sendo testado é um parâmetro: qualquer handler ``websockets`` (o mural deste
módulo, o chat do capítulo 05...) vira um servidor com ``guarded_server(handler, policy)``. A
``Policy`` diz o que conferir; ``NAIVE`` não confere nada, ``hardened()`` confere tudo:

* no **handshake** (``process_request``, antes do ``101``): o header ``Origin`` contra uma lista
  (senão ``403``: é a defesa contra *cross-site WebSocket hijacking*, RFC 6455 §10.2), o token
  (``Authorization: Bearer``; senão ``401``) e o número de conexões do mesmo endereço (senão
  ``429``);
* no **transporte** (parâmetros do ``websockets.serve``): ``max_size`` (mensagem maior → close
  1009, RFC 6455 §7.4.1) e ``open_timeout`` (handshake lento demais → a conexão cai);
* em **cada mensagem** (``Guarded``, que envolve a conexão antes de entregá-la ao handler): o
  limite de mensagens por segundo (balde de fichas; estourou → close 1008), o token na primeira
  mensagem (para navegadores, que não mandam headers próprios no WebSocket) e a validação por
  JSON Schema (mensagem fora do formato → resposta de erro, e o handler nunca a vê).

``ATTACKS`` reúne os ataques do laboratório: ``await ataque(porta, caminho)`` devolve
``Outcome(succeeded, detail)``. Os
testes (``tests/test_hardening.py``) conferem que cada ataque funciona contra ``NAIVE`` e falha
contra ``hardened()``.

``self_signed()`` gera um certificado descartável (pacote ``cryptography``) para um ``wss://``
local; nada é gravado no repositório.
"""

from __future__ import annotations

import asyncio
import datetime
import html
import json
import ssl
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any

from ..core.numbers import exact
from ..chat.guards import TokenBucket  # o mesmo balde de fichas do chat da sala de aula

__all__ = [
    "ATTACKS",
    "CHAT_PROBES",
    "NAIVE",
    "Guarded",
    "Outcome",
    "Policy",
    "TokenBucket",
    "Verdict",
    "as_text",
    "guarded_server",
    "hardened",
    "mural",
    "self_signed",
]

ALLOWED_ORIGIN = "http://127.0.0.1:8888"
TOKEN = "token-do-curso"

# O formato das mensagens do laboratório. Escrever um esquema assim é o exercício 06.3: por isso
# este não tem nome público (a resposta não se importa do pacote).
_LAB_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"enum": ["chat"]},
        "text": {"type": "string", "minLength": 1, "maxLength": 500},
    },
    "required": ["type", "text"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Policy:
    """O que o servidor confere. ``None`` em um campo = não confere."""

    origins: frozenset[str] | None = None
    tokens: frozenset[str] | None = None
    token_in: str = "header"  # "header" (Authorization: Bearer) ou "first_message"
    max_size: int | None = None
    open_timeout: float | None = None
    rate: float | None = None  # mensagens por segundo (média)
    burst: int = 10  # rajada tolerada
    max_per_address: int | None = None
    schema: dict | None = None
    # o relógio do balde de fichas; um relógio parado (``lambda: 0.0``) deixa passar exatamente a
    # rajada, em qualquer máquina (com o relógio de verdade, uma máquina lenta ganha fichas no meio)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def describe(self) -> list[str]:
        """As proteções ligadas, em português."""
        out = []
        if self.origins is not None:
            out.append(f"Origin permitido: {', '.join(sorted(self.origins))}")
        if self.tokens is not None:
            out.append("token obrigatório " + ("no header Authorization" if self.token_in == "header"
                                               else "na primeira mensagem"))
        if self.max_size is not None:
            out.append(f"mensagem de no máximo {self.max_size} bytes")
        if self.open_timeout is not None:
            out.append(f"handshake em até {exact(self.open_timeout)} s")
        if self.rate is not None:
            out.append(f"até {exact(self.rate)} mensagens/s por conexão (rajada de {self.burst})")
        if self.max_per_address is not None:
            out.append(f"até {self.max_per_address} conexões por endereço")
        if self.schema is not None:
            out.append("cada mensagem validada por JSON Schema")
        return out or ["nenhuma proteção"]


NAIVE = Policy()


def hardened(**changes: Any) -> Policy:
    """A política do laboratório, com tudo ligado (e valores pequenos, para caber numa aula)."""
    base = Policy(origins=frozenset({ALLOWED_ORIGIN}), tokens=frozenset({TOKEN}),
                  max_size=64 * 1024, open_timeout=0.25, rate=20, burst=10, max_per_address=5,
                  schema=_LAB_SCHEMA)
    return replace(base, **changes)


def load_jsonschema():
    """O módulo ``jsonschema``, importado sem o verificador opcional do formato ``iri``.

    Esse verificador (pacote ``rfc3987_syntax``, trazido pelo Jupyter) monta uma gramática inteira
    ao ser importado: ≈ 1 s numa máquina parada, bem mais numa ocupada. O curso não checa
    formatos; o módulo volta a ser importável logo depois, para quem precisar dele.
    """
    import sys

    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # ``import rfc3987_syntax`` → ImportError (opcional)
        try:
            import jsonschema
        finally:
            del sys.modules["rfc3987_syntax"]
    import jsonschema

    return jsonschema


def _validator(policy: Policy):
    if policy.schema is None:
        return None
    return load_jsonschema().Draft202012Validator(policy.schema)


class Guarded:
    """A conexão como o handler a vê: ``recv``/``async for`` já filtrados pela política.

    Todo o resto (``send``, ``close``, ``remote_address``...) passa direto para a conexão real.
    """

    def __init__(self, ws, policy: Policy, validator=None):
        self._ws, self._policy = ws, policy
        self._bucket = TokenBucket(policy.rate, policy.burst, policy.clock) if policy.rate else None
        self._validator = validator if validator is not None else _validator(policy)

    def __getattr__(self, name: str):
        return getattr(self._ws, name)

    async def recv(self, decode: bool | None = None):
        while True:
            message = await self._ws.recv(decode)
            if self._bucket is not None and not self._bucket.take():
                await self._shut(1008, "muitas mensagens por segundo")
            problem = self.problem(message)
            if problem is None:
                return message
            await self._ws.send(json.dumps({"type": "erro", "motivo": problem}, ensure_ascii=False))

    async def _shut(self, code: int, reason: str) -> None:
        """Fecha e descarta o que ainda estava na fila até o CLOSE do cliente chegar.

        (Esperar o ``close()`` sem ler a fila trava: com a fila cheia, a biblioteca para de
        ler do socket e o CLOSE de resposta nunca é lido.)
        """
        closing = asyncio.ensure_future(self._ws.close(code, reason))
        try:
            while True:
                await self._ws.recv()  # termina com ConnectionClosed
        finally:
            await closing

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        from websockets.exceptions import ConnectionClosedOK

        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    def problem(self, message) -> str | None:
        """``None`` se a mensagem está no formato; senão, o motivo (em português)."""
        if self._validator is None:
            return None
        if isinstance(message, bytes):
            return "só aceito texto (JSON)"
        try:
            data = json.loads(message)
        except ValueError:
            return "não é JSON"
        error = next(iter(self._validator.iter_errors(data)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "mensagem"
        return f"formato inválido em {where}: {error.validator}"

    async def authenticate(self) -> bool:
        """Token na primeira mensagem: ``{"type": "auth", "token": "..."}``."""
        try:
            first = json.loads(await asyncio.wait_for(self._ws.recv(), 5))
            ok = isinstance(first, dict) and first.get("token") in self._policy.tokens
        except (ValueError, TypeError, asyncio.TimeoutError):
            ok = False
        if not ok:
            await self._ws.close(1008, "autenticação inválida")
        return ok


def _reject(connection, status: HTTPStatus, text: str):
    return connection.respond(status, text + "\n")


def guarded_server(handler: Callable[[Any], Awaitable[None]], policy: Policy = NAIVE, *,
                   app_process_request: Callable | None = None, **kwargs: Any):
    """Um ``WebSocketServer`` (helpers.core.lifecycle) que aplica ``policy`` antes de ``handler``.

    ``app_process_request``: o ``process_request`` da própria aplicação (o chat do capítulo 05
    serve a página e confere o ``Origin`` nele), chamado depois das checagens da política.
    """
    from websockets.exceptions import ConnectionClosed

    from ..core.lifecycle import WebSocketServer

    per_address: Counter[str] = Counter()
    validator = _validator(policy)

    def process_request(connection, request):
        if request.headers.get("Upgrade", "").lower() != "websocket":  # HTTP comum: a aplicação decide
            return app_process_request(connection, request) if app_process_request else None
        if policy.origins is not None and request.headers.get("Origin") not in policy.origins:
            return _reject(connection, HTTPStatus.FORBIDDEN, "Origin não permitido")
        if policy.tokens is not None and policy.token_in == "header":
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in policy.tokens:
                return _reject(connection, HTTPStatus.UNAUTHORIZED, "token ausente ou inválido")
        if policy.max_per_address is not None:
            if per_address[connection.remote_address[0]] >= policy.max_per_address:
                return _reject(connection, HTTPStatus.TOO_MANY_REQUESTS, "conexões demais deste endereço")
        return app_process_request(connection, request) if app_process_request else None

    async def guarded(ws):
        address = ws.remote_address[0]
        per_address[address] += 1
        try:
            g = Guarded(ws, policy, validator)
            if policy.tokens is not None and policy.token_in == "first_message":
                if not await g.authenticate():
                    return
            await handler(g)
        except ConnectionClosed:
            pass
        finally:
            per_address[address] -= 1

    kwargs.setdefault("max_size", policy.max_size)
    kwargs.setdefault("open_timeout", policy.open_timeout)
    server = WebSocketServer(guarded, process_request=process_request, **kwargs)
    server.policy = policy
    server.per_address = per_address
    return server


# --- a aplicação de exemplo: um mural ----------------------------------------------------------


def mural():
    """Um mural (broadcast) mínimo: toda mensagem recebida vai para todos os conectados.

    Devolve ``(handler, conectados)``. O handler não valida nada: é a política que protege.
    """
    connected: set = set()

    async def handler(ws):
        connected.add(ws)
        try:
            async for message in ws:
                for other in list(connected):
                    try:
                        await other.send(message)
                    except Exception:
                        connected.discard(other)
        finally:
            connected.discard(ws)

    return handler, connected


def as_text(message: str) -> str:
    """O jeito certo de pôr texto alheio numa página: escapado (``<`` vira ``&lt;``...)."""
    return html.escape(message)


# --- os ataques --------------------------------------------------------------------------------

# Uma resposta que deveria chegar espera até _GUARD segundos: só uma guarda contra o travamento
# (num computador ocupado, com outros notebooks rodando, milissegundos viram centenas).
_GUARD = 10.0


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    detail: str

    def __str__(self) -> str:
        return ("☠ funcionou: " if self.succeeded else "🛡 bloqueado: ") + self.detail


def _refusal(exc: BaseException) -> str:
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        return f"handshake recusado com {exc.response.status_code}"
    return f"{type(exc).__name__}"


def _headers(**extra: str) -> dict[str, str]:
    return {"Origin": ALLOWED_ORIGIN, "Authorization": f"Bearer {TOKEN}", **extra}


async def _connect(port: int, path: str, headers: dict[str, str] | None = None, **kwargs: Any):
    from websockets.asyncio.client import connect

    return await connect(f"ws://127.0.0.1:{port}{path}", additional_headers=headers or _headers(),
                         origin=None, open_timeout=_GUARD, ping_interval=None, **kwargs)


async def attack_origin(port: int, path: str = "/") -> Outcome:
    """CSWSH: uma página de outro site abre o WebSocket com os cookies da vítima."""
    from websockets.exceptions import InvalidHandshake

    try:
        async with await _connect(port, path, _headers(Origin="https://site-malicioso.example")) as ws:
            await ws.send(json.dumps({"type": "chat", "text": "oi"}))
            await asyncio.wait_for(ws.recv(), _GUARD)
        return Outcome(True, "conectou com Origin https://site-malicioso.example")
    except InvalidHandshake as exc:
        return Outcome(False, _refusal(exc))


async def attack_no_token(port: int, path: str = "/") -> Outcome:
    """Conectar sem credencial nenhuma."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake

    headers = {"Origin": ALLOWED_ORIGIN}
    try:
        async with await _connect(port, path, headers) as ws:
            await ws.send(json.dumps({"type": "chat", "text": "oi"}))
            reply = await asyncio.wait_for(ws.recv(), _GUARD)
        if _is_error(reply):
            return Outcome(False, "conectou, mas só recebe erro até se identificar")
        return Outcome(True, "conectou e conversou sem token")
    except InvalidHandshake as exc:
        return Outcome(False, _refusal(exc))
    except ConnectionClosed as exc:
        return Outcome(False, f"fechado com {exc.rcvd.code if exc.rcvd else '?'}")


async def attack_big_message(port: int, path: str = "/", size: int = 256 * 1024) -> Outcome:
    """Uma mensagem de 256 KiB: memória e CPU do servidor para nada."""
    from websockets.exceptions import ConnectionClosed

    text = json.dumps({"type": "chat", "text": "x" * (size - 30)})
    try:
        async with await _connect(port, path, max_size=None) as ws:
            await ws.send(text)
            await asyncio.wait_for(ws.recv(), _GUARD)
        return Outcome(True, f"o servidor aceitou {len(text) // 1024} KiB")
    except ConnectionClosed as exc:
        return Outcome(False, f"fechado com {exc.rcvd.code if exc.rcvd else '?'}")


async def attack_flood(port: int, path: str = "/", count: int = 200) -> Outcome:
    """Um cliente manda ``count`` mensagens de uma vez."""
    from websockets.exceptions import ConnectionClosed

    message = json.dumps({"type": "chat", "text": "spam"})
    received = 0
    try:
        async with await _connect(port, path) as ws:
            for _ in range(count):
                await ws.send(message)
            while received < count:
                await asyncio.wait_for(ws.recv(), _GUARD)
                received += 1
        return Outcome(True, f"{count} mensagens aceitas, {count} respostas")
    except ConnectionClosed as exc:
        return Outcome(False, f"fechado com {exc.rcvd.code if exc.rcvd else '?'} depois de "
                              f"{received} respostas")


async def attack_many_connections(port: int, path: str = "/", count: int = 20) -> Outcome:
    """Um só endereço abre ``count`` conexões."""
    from websockets.exceptions import InvalidHandshake

    opened = []
    try:
        for _ in range(count):
            opened.append(await _connect(port, path))
        return Outcome(True, f"{count} conexões do mesmo endereço")
    except InvalidHandshake as exc:
        return Outcome(False, f"{_refusal(exc)} na conexão {len(opened) + 1}")
    finally:
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)


async def attack_slow_handshake(port: int, path: str = "/", wait: float = 0.5) -> Outcome:
    """Slowloris: começa o handshake e não termina nunca, segurando a conexão."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())  # falta o resto, de propósito
        await writer.drain()
        try:
            data = await asyncio.wait_for(reader.read(), wait)
        except asyncio.TimeoutError:  # (antes de OSError: no Python 3.11 é subclasse dela)
            return Outcome(True, f"conexão ainda presa depois de {exact(wait)} s")
        except (ConnectionError, OSError):
            data = b""
        return Outcome(False, "o servidor desistiu do handshake e fechou"
                       + (" (com resposta)" if data else ""))
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def attack_bad_format(port: int, path: str = "/") -> Outcome:
    """Mensagem fora do formato (campos a mais, tipo errado) repassada aos outros clientes."""
    from websockets.exceptions import ConnectionClosed

    evil = json.dumps({"type": "chat", "text": {"$ne": ""}, "admin": True})
    try:
        async with await _connect(port, path) as ws:
            await ws.send(evil)
            reply = await asyncio.wait_for(ws.recv(), _GUARD)
    except ConnectionClosed as exc:
        return Outcome(False, f"fechado com {exc.rcvd.code if exc.rcvd else '?'}")
    if _is_error(reply):
        data = json.loads(reply)
        return Outcome(False, f"recusada: {data.get('motivo') or data.get('error')}")
    return Outcome(True, "a mensagem fora do formato foi repassada a todos")


def _is_error(reply) -> bool:
    """A resposta é um aviso de erro? (``{"type": "erro"}`` aqui; ``"error"`` no chat do 05)."""
    try:
        data = json.loads(reply)
    except (TypeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("type") in ("erro", "error")


ATTACKS: dict[str, Callable[..., Awaitable[Outcome]]] = {
    "Origin de outro site (CSWSH)": attack_origin,
    "sem token": attack_no_token,
    "mensagem de 256 KiB": attack_big_message,
    "200 mensagens de uma vez": attack_flood,
    "20 conexões do mesmo endereço": attack_many_connections,
    "handshake pela metade (slowloris)": attack_slow_handshake,
    "JSON fora do formato": attack_bad_format,
}


# --- as guardas do chat do curso (helpers.chat.ChatServer) -------------------------------------
#
# O lado blindado do laboratório é o servidor que o curso entrega para uma turma (capítulo 05, modo
# sala de aula). Cada sonda ataca um ``ChatServer`` já iniciado e devolve um ``Verdict`` com o
# valor medido. Esperas: só eventos e guardas de tempo generosas (``_WAIT``), nunca sleep.

_WAIT = 10.0


@dataclass(frozen=True)
class Verdict:
    """O resultado de uma sonda: a guarda segurou? ``measured`` diz o que foi medido."""

    guard: str
    held: bool
    measured: str

    def __str__(self) -> str:
        return f"{'✔' if self.held else '✘'} {self.guard}: {self.measured}"


async def _recv(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), _WAIT))


async def _until(ws, kind: str) -> dict:
    while (event := await _recv(ws))["type"] != kind:
        pass
    return event


async def _join(chat, nick: str, sock=None, **fields):
    from websockets.asyncio.client import connect

    ws = await connect(chat.url, sock=sock, compression=None, max_size=None, open_timeout=_WAIT)
    await ws.send(json.dumps({"action": "join", "nick": nick, **fields}))
    return ws


async def _joined(chat, nick: str, **fields):
    ws = await _join(chat, nick, **fields)
    await _until(ws, "history")
    return ws


async def _closed(ws) -> tuple[int | None, str]:
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            await asyncio.wait_for(ws.recv(), _WAIT)
    except ConnectionClosed as exc:
        return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (None, "")


async def probe_slow_reader(chat, requests: int = 18) -> Verdict:
    """Um cliente com janela TCP mínima pede histórico e não lê: fechado com 1013; Bruno segue."""
    import socket

    for i in range(500 - chat.store.last_id):
        chat.store.add("Carga", f"{i:04d} " + "x" * 400)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # o notebook travado, a rede ruim
    sock.connect(("127.0.0.1", chat.port))
    sock.setblocking(False)
    slow = await _join(chat, "Lento", sock=sock)
    await _until(slow, "history")
    bruno = await _joined(chat, "Bruno")
    slow.transport.pause_reading()  # daqui em diante, não lê mais nada
    for _ in range(requests):
        await slow.send(json.dumps({"action": "history", "since": 0, "limit": 500}))
    await bruno.send(json.dumps({"action": "send", "text": "alguém aí?"}))
    got = (await _until(bruno, "message"))["text"]
    slow.transport.resume_reading()
    code, reason = await _closed(slow)
    await bruno.close()
    return Verdict("cliente lento", code == 1013 and got == "alguém aí?",
                   f"fechado com {code} («{reason}»); o Bruno recebeu «{got}»")


async def probe_flooder(chat, count: int = 25) -> Verdict:
    """Mandar ``count`` mensagens de uma vez: as da rajada passam, as outras recebem o erro."""
    ws = await _joined(chat, "Enchente")
    for i in range(count):
        await ws.send(json.dumps({"action": "send", "text": f"spam {i}"}))
    accepted, errors = 0, []
    while accepted + len(errors) < count:
        event = await _recv(ws)
        if event["type"] == "message" and event["nick"] == "Enchente":
            accepted += 1
        elif event["type"] == "error":
            errors.append(event["error"])
    await ws.close()
    return Verdict("limite de taxa", bool(errors) and accepted < count,
                   f"{accepted} aceitas, {len(errors)} recusadas com «{errors[0] if errors else ''}»")


async def probe_rebinding(chat) -> Verdict:
    """DNS rebinding: Host e Origin do atacante (evil.example → 127.0.0.1). O join é recusado."""
    import aiohttp

    host = f"evil.example:{chat.port}"
    async with aiohttp.ClientSession() as http, http.ws_connect(
            chat.url, headers={"Host": host, "Origin": f"http://{host}"}) as ws:
        await ws.send_str(json.dumps({"action": "join", "nick": "Intruso"}))
        first = json.loads((await ws.receive(timeout=_WAIT)).data)
        await ws.receive(timeout=_WAIT)  # o CLOSE do servidor
        code = ws.close_code
    return Verdict("DNS rebinding", first["type"] == "error" and code == 1008,
                   f"recusado com erro «{first.get('error', '')[:60]}…», fechado com {code}")


async def probe_out_of_range(chat) -> Verdict:
    """``since`` além de 64 bits: o erro de sempre, e a conexão continua aberta (nada de 1011)."""
    ws = await _joined(chat, "Curiosa")
    await ws.send(json.dumps({"action": "history", "since": 2**63}))
    error = await _until(ws, "error")
    await ws.send(json.dumps({"action": "send", "text": "ainda aqui"}))
    still = (await _until(ws, "message"))["text"] == "ainda aqui"
    await ws.close()
    return Verdict("valor fora da faixa", still, f"«{error['error']}», e a conexão seguiu aberta")


async def probe_duplicate_nick(chat) -> Verdict:
    """Um segundo «Professor» na sala: recusado."""
    first = await _joined(chat, "Professor")
    second = await _join(chat, "professor")
    event = await _recv(second)
    await asyncio.gather(first.close(), second.close())
    return Verdict("apelido repetido", event["type"] == "error", f"«{event.get('error', event['type'])}»")


CHAT_PROBES: dict[str, Callable[..., Awaitable[Verdict]]] = {
    "cliente lento": probe_slow_reader,
    "limite de taxa": probe_flooder,
    "DNS rebinding": probe_rebinding,
    "valor fora da faixa": probe_out_of_range,
    "apelido repetido": probe_duplicate_nick,
}


# --- TLS ---------------------------------------------------------------------------------------


@dataclass
class SelfSigned:
    """Um certificado descartável: contextos TLS prontos para o servidor e para o cliente."""

    server: ssl.SSLContext
    client: ssl.SSLContext
    pem: bytes = field(repr=False)
    fingerprint: str = ""


def self_signed(host: str = "127.0.0.1", days: int = 1) -> SelfSigned:
    """Gera (na memória) uma chave e um certificado autoassinado para ``host``."""
    import ipaddress
    import os
    import tempfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "curso-websockets (descartável)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain só lê de arquivo: um temporário que some logo em seguida
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(cert_pem + key_pem)
        server.load_cert_chain(path)
    finally:
        os.unlink(path)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    fingerprint = cert.fingerprint(hashes.SHA256()).hex(":")[:23]
    return SelfSigned(server, client, cert_pem, fingerprint)
