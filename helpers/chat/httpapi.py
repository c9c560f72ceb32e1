"""A API de chat sobre HTTP puro: enviar mensagens (POST) e buscar as novas desde um id (GET).

Introduzida no notebook 03 (Polling e long polling).

Rotas (``create_app``)::

    POST /mensagens {"de": "Ana", "texto": "Oi!"}
         → 201 {"id": 7, "de": "Ana", "texto": "Oi!"}
    GET  /mensagens?since=N
         → 200 [mensagens com id > N], na hora (polling; pode ser [])
    GET  /mensagens?since=N&espera=S
         → igual, mas, se não houver nada novo, o servidor *segura* a resposta até chegar uma
           mensagem ou passarem S segundos (long polling; no fim do prazo, [])

Os ids crescem (1, 2, 3...): o cliente guarda o maior que já viu e pede ``since=`` esse id, e
assim não perde nem repete mensagem, nem mesmo as que chegam entre uma resposta e a próxima
pergunta.

Entrada inválida (JSON quebrado, texto faltando ou longo demais, ``since`` que não é número...)
recebe **400** com ``{"erro": "..."}`` em português; nada é guardado e o servidor continua
atendendo. Um corpo maior que ``MAX_BODY`` recebe 413 (*Payload Too Large*).

Tempo encolhido: ``create_app(sala, real_per_sim=0.05)`` faz ``espera`` contar em segundos
*simulados* (cada um dura 0,05 s de verdade), como o ``SimClock`` de ``helpers.experiments.polling``; o
padrão (1.0) é tempo real. Com ``ChatRoom(clock=relogio)``, um ``VirtualClock``, enquanto
``relogio.run(...)`` roda, a espera conta no tempo simulado do relógio (notebook 03).

Ao parar o servidor (``HttpServer.close``), o gancho ``on_shutdown`` fecha a sala: as
requisições seguradas respondem na hora com o que houver, e o desligamento não fica esperando o
``shutdown_timeout`` nem o prazo de cada uma.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import functools
import json
import math
from collections.abc import Mapping

from aiohttp import web

from ..core.numbers import exact

__all__ = [
    "MAX_AUTHOR",
    "MAX_BODY",
    "MAX_TEXT",
    "MAX_WAIT",
    "REAL_PER_SIM",
    "ROOM",
    "ChatRoom",
    "bad_input",
    "create_app",
    "messages",
    "parse_message",
    "parse_since",
    "parse_wait",
    "post_message",
]

MAX_TEXT = 500  # caracteres por mensagem
MAX_AUTHOR = 40  # caracteres no nome de quem envia
MAX_WAIT = 30.0  # segundos que uma requisição pode ficar segurada
MAX_BODY = 16 * 1024  # bytes no corpo de um POST


class ChatRoom:
    """As mensagens do chat, na memória, com ids crescentes, e a espera do long polling.

    Guarda as últimas ``keep`` mensagens (as mais antigas saem primeiro).
    """

    def __init__(self, keep: int = 1000, clock=None):
        self.keep = keep
        self.messages: list[dict] = []
        self.last_id = 0
        self.held = 0  # quantas requisições estão seguradas agora, esperando novidade
        # o que soltou cada requisição segurada: "mensagem", "prazo" ou "parada" (servidor parando)
        self.releases: collections.Counter[str] = collections.Counter()
        self.closed = False
        self.clock = clock  # um VirtualClock (notebook 03): a espera conta no tempo simulado
        self._news = asyncio.Event()
        self._parked: set[asyncio.Future] = set()

    def post(self, author: str, text: str) -> dict:
        """Guarda uma mensagem nova e acorda quem está esperando por ela."""
        self.last_id += 1
        msg = {"id": self.last_id, "de": author, "texto": text}
        self.messages.append(msg)
        del self.messages[: -self.keep]
        self._wake()
        return msg

    def since(self, last_id: int) -> list[dict]:
        """As mensagens com id maior que ``last_id``, em ordem."""
        ids = [m["id"] for m in self.messages]
        return self.messages[bisect.bisect_right(ids, last_id) :]

    async def wait_since(self, last_id: int, timeout: float) -> list[dict]:
        """Long polling: se não há nada depois de ``last_id``, espera até ``timeout`` segundos.

        Devolve assim que ``post`` guardar algo novo (ou a sala fechar); no fim do prazo,
        devolve ``[]``.
        """
        if self.clock is not None and self.clock.running:  # relógio simulado: a mesma espera,
            return await self._wait_on_clock(last_id, timeout)  # com o prazo marcado nele
        self.held += 1
        try:
            async with asyncio.timeout(timeout):
                while not self.since(last_id) and not self.closed:
                    await self._news.wait()
        except TimeoutError:
            pass
        finally:
            self.held -= 1
        return self._released(last_id)  # anota o que a soltou: mensagem, prazo ou parada

    async def _wait_on_clock(self, last_id: int, timeout: float) -> list[dict]:
        """``wait_since`` no tempo simulado: o prazo é um instante do ``VirtualClock``."""
        deadline = self.clock.now() + timeout
        self.held += 1
        try:
            while not self.since(last_id) and not self.closed:
                future = self.clock.park(deadline)
                self._parked.add(future)
                try:
                    if await future:  # True: o relógio chegou ao prazo
                        break
                finally:
                    self._parked.discard(future)
                    self.clock.unpark(future)
        finally:
            self.held -= 1
        return self._released(last_id)

    def _released(self, last_id: int) -> list[dict]:
        news = self.since(last_id)
        self.releases["mensagem" if news else "parada" if self.closed else "prazo"] += 1
        return news

    def close(self) -> None:
        """Solta todas as requisições seguradas (usado quando o servidor para)."""
        self.closed = True
        self._wake()

    def reopen(self) -> None:
        self.closed = False

    def _wake(self) -> None:
        self._news.set()  # quem esperava por este Event acorda...
        self._news = asyncio.Event()  # ...e quem chegar depois espera pelo próximo
        for future in list(self._parked):  # no tempo simulado: volta a contar como ativo já
            self.clock.wake(future)

    def __len__(self) -> int:
        return len(self.messages)

    def __repr__(self) -> str:
        return f"ChatRoom({len(self.messages)} mensagens, {self.held} seguradas)"


ROOM = web.AppKey("room", ChatRoom)
REAL_PER_SIM = web.AppKey("real_per_sim", float)


# --- validação: cada erro vira 400 com uma frase em português ---------------------------------


def bad_input(message: str, status: int = 400) -> web.HTTPException:
    """Uma resposta de erro com corpo JSON ``{"erro": message}`` (para ``raise``)."""
    body = {"text": json.dumps({"erro": message}, ensure_ascii=False), "content_type": "application/json"}
    if status == 413:
        return web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, **body)
    return web.HTTPBadRequest(**body)


def _shown(value: str, limit: int = 20) -> str:
    return json.dumps(value[:limit] + ("…" if len(value) > limit else ""), ensure_ascii=False)


def parse_since(query: Mapping[str, str]) -> int:
    """O ``since`` da query string: o id da última mensagem que o cliente já tem (padrão 0)."""
    raw = query.get("since", "0")
    if not raw.isascii() or not raw.isdigit():
        raise bad_input(
            f"since deve ser um número inteiro ≥ 0 (o id da última mensagem que você já "
            f"recebeu), mas veio {_shown(raw)}."
        )
    return int(raw)


def parse_wait(query: Mapping[str, str]) -> float | None:
    """O ``espera`` da query string, em segundos (``None`` se não veio: responder na hora)."""
    raw = query.get("espera")
    if raw is None:
        return None
    try:
        wait = float(raw)
    except ValueError:
        wait = math.nan
    if not 0 <= wait <= MAX_WAIT:  # também recusa nan e inf
        raise bad_input(
            f"espera deve ser um número de segundos entre 0 e {exact(MAX_WAIT)}, mas veio {_shown(raw)}."
        )
    return wait


def parse_message(body: bytes) -> tuple[str, str]:
    """Valida o corpo de um POST e devolve ``(autor, texto)``."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_input(
            'O corpo não é JSON válido. Envie algo como {"de": "Ana", "texto": "Oi!"}.'
        ) from None
    if not isinstance(data, dict):
        raise bad_input('O corpo deve ser um objeto JSON, como {"de": "Ana", "texto": "Oi!"}.')
    text, author = data.get("texto"), data.get("de", "anônimo")
    if text is None:
        raise bad_input('Falta o campo "texto" com a mensagem.')
    if not isinstance(text, str) or not text.strip():
        raise bad_input('O campo "texto" deve ser um texto não vazio.')
    if len(text) > MAX_TEXT:
        raise bad_input(
            f"Mensagem longa demais: {len(text)} caracteres; o máximo é {MAX_TEXT}."
        )
    if not isinstance(author, str) or not author.strip() or len(author) > MAX_AUTHOR:
        raise bad_input(f'O campo "de" deve ser um nome de 1 a {MAX_AUTHOR} caracteres.')
    return author.strip(), text


# --- os handlers ------------------------------------------------------------------------------

_dumps = functools.partial(json.dumps, ensure_ascii=False)  # "Olá" como está, não "Ol\\u00e1"


async def post_message(request: web.Request) -> web.Response:
    """POST /mensagens: guarda a mensagem e devolve 201 com o id que ela ganhou."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise bad_input(f"Corpo grande demais: o máximo é {MAX_BODY} bytes.", status=413) from None
    author, text = parse_message(body)
    msg = request.app[ROOM].post(author, text)
    return web.json_response(msg, status=201, dumps=_dumps)


async def messages(request: web.Request) -> web.Response:
    """GET /mensagens?since=N[&espera=S]: as mensagens depois do id N."""
    room = request.app[ROOM]
    since = parse_since(request.query)
    wait = parse_wait(request.query)
    if wait is None:  # polling: responde na hora, mesmo que seja []
        return web.json_response(room.since(since), dumps=_dumps)
    # long polling: se não há nada novo, segura a resposta até chegar algo (ou o prazo acabar)
    seconds = wait * request.app[REAL_PER_SIM]  # espera vem em segundos (simulados, no notebook)
    return web.json_response(await room.wait_since(since, seconds), dumps=_dumps)


async def _open_room(app: web.Application) -> None:
    app[ROOM].reopen()


async def _release_held(app: web.Application) -> None:
    app[ROOM].close()


def create_app(room: ChatRoom | None = None, real_per_sim: float = 1.0) -> web.Application:
    """Monta a aplicação aiohttp do chat (sirva com ``HttpServer``).

    ``real_per_sim``: segundos reais por segundo de ``espera`` (1.0 = tempo real).
    """
    app = web.Application(client_max_size=MAX_BODY)
    app[ROOM] = room if room is not None else ChatRoom()
    app[REAL_PER_SIM] = float(real_per_sim)
    app.router.add_post("/mensagens", post_message)
    app.router.add_get("/mensagens", messages)
    app.on_startup.append(_open_room)
    app.on_shutdown.append(_release_held)
    return app
