"""O registro: iniciar, substituir e parar sem deixar nada aberto."""

import asyncio
import os
import socket
import sys

import aiohttp
import pytest
from aiohttp import web

from helpers.core.lifecycle import (
    HttpServer, PortInUse, Process, Registry, Task, TcpServer, WebSocketServer, open_fds,
)
from helpers.traffic.tap import Tap
from support import wait_until


async def hello(request):
    return web.Response(text="oi")


def app():
    a = web.Application()
    a.router.add_get("/", hello)
    return a


async def echo(reader, writer):
    while data := await reader.read(100):
        writer.write(data)


async def fetch(url):
    async with aiohttp.ClientSession() as s:
        async with s.get(url) as r:
            return await r.text()


def tasks_now():
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


@pytest.mark.skipif(sys.platform == "win32",
                    reason="conta descritores de arquivo; no Windows open_fds() conta handles, que o "
                           "laço de eventos abre e fecha por conta própria")
async def test_start_replace_stop_leaves_fds_and_tasks_as_before():
    reg = Registry()
    fds, tasks = open_fds(), tasks_now()
    for _ in range(3):  # como reexecutar a mesma célula três vezes
        server = await reg.start("http", HttpServer(app()))
        tap = await reg.start("tap", Tap(server.port))
        echo_srv = await reg.start("eco", TcpServer(echo))
        await reg.spawn("espera", asyncio.Event().wait())
        assert await fetch(tap.url) == "oi"
        r, w = await asyncio.open_connection("127.0.0.1", echo_srv.port)
        w.write(b"x")
        assert await r.readexactly(1) == b"x"  # conexão que fica aberta até o stop
        assert reg.names() == ["http", "tap", "eco", "espera"]
    await reg.stop_all()
    w.close()
    await w.wait_closed()
    assert reg.names() == []
    await wait_until(lambda: tasks_now() == tasks, what="as tarefas voltarem às de antes")
    await wait_until(lambda: open_fds() <= fds, what="os descritores voltarem aos de antes")
    assert open_fds() == fds


async def test_rerunning_a_cell_replaces_the_server_instead_of_failing(reg):
    first = await reg.start("http", HttpServer(app(), port=0))
    port = first.port
    second = await reg.start("http", HttpServer(app(), port=port))  # mesma porta fixa: sem conflito
    assert second.port == port and await fetch(second.url) == "oi"


async def test_a_port_taken_by_another_program_gives_a_clear_portuguese_message(reg):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    try:
        with pytest.raises(PortInUse) as info:
            await reg.start("http", HttpServer(app(), port=port))
        assert f"A porta {port}" in str(info.value) and "port=0" in str(info.value)
        assert info.value._render_traceback_() == [f"PortInUse: {info.value}"]
        with pytest.raises(PortInUse):
            await reg.start("eco", TcpServer(echo, port=port))
        with pytest.raises(PortInUse):
            await reg.start("tap", Tap(1, port=port))
        with pytest.raises(PortInUse):
            await reg.start("ws", WebSocketServer(lambda ws: None, port=port))
        assert reg.names() == []
    finally:
        sock.close()


async def test_a_failing_background_task_is_shown_and_kept(reg, capsys):
    go = asyncio.Event()

    async def fails():
        await go.wait()
        raise ValueError("algo deu errado")

    await reg.spawn("falha", fails())
    go.set()
    await wait_until(lambda: reg.errors, what="o erro da tarefa ser registrado")
    assert "A tarefa de fundo 'falha' falhou: ValueError: algo deu errado" in capsys.readouterr().err
    assert str(reg.errors[0]) == "falha: ValueError: algo deu errado"


async def test_a_task_with_timeout_is_cancelled_and_reported(reg):
    task = await reg.spawn("lenta", asyncio.Event().wait(), timeout=0.05)
    await wait_until(lambda: task.done() and reg.errors, what="o prazo da tarefa vencer")
    assert isinstance(reg.errors[0].exception, TimeoutError)


async def test_a_task_result_can_be_awaited(reg):
    async def soma():
        return 1 + 1

    task = await reg.spawn("soma", soma)
    assert await task == 2


async def test_a_subprocess_is_started_and_stopped(reg):
    proc = await reg.start("py", Process(sys.executable, "-c", "import time; print('pronto', flush=True); time.sleep(30)"))
    await wait_until(lambda: "pronto" in proc.output(), timeout=30, what="o subprocesso imprimir")
    popen = proc.popen
    await reg.stop_all()
    assert popen.poll() is not None


async def test_websocket_server_echoes_and_stops(reg):
    from websockets.asyncio.client import connect

    async def handler(ws):
        async for msg in ws:
            await ws.send(msg.upper())

    server = await reg.start("ws", WebSocketServer(handler))
    async with connect(server.url) as ws:
        await ws.send("oi")
        assert await ws.recv() == "OI"


async def test_a_subprocess_reports_its_port_or_a_clear_error(reg):
    proc = await reg.start("srv", Process(sys.executable, "-c",
                                          "import time; print('PORTA 4242', flush=True); time.sleep(30)"))
    assert await proc.wait_for_port(timeout=10) == 4242
    dead = await reg.start("morto", Process(sys.executable, "-c", "print('deu ruim')"))
    with pytest.raises(RuntimeError, match="(?s)não informou a porta.*deu ruim"):
        await dead.wait_for_port(timeout=10)


async def test_reading_a_subprocess_output_never_moves_where_it_writes(reg):
    # O filho escreve cada linha em duas partes (texto, depois "\n") enquanto o pai lê o log o
    # tempo todo. Lendo pelo descritor do filho (seek(0)), um "\n" caía no começo do arquivo:
    # "PORTA 41165" virou "\nORTA 41165" numa medida de verdade. Lendo pelo caminho, nunca.
    script = ("import sys\nfor i in range(300):\n    sys.stdout.write(f'linha {i:03d}'); sys.stdout.flush()\n"
              "    sys.stdout.write('\\n'); sys.stdout.flush()\nprint('FIM', flush=True)")
    proc = await reg.start("escritor", Process(sys.executable, "-u", "-c", script))
    while "FIM" not in proc.output():
        await asyncio.sleep(0)
    assert proc.output().splitlines() == [f"linha {i:03d}" for i in range(300)] + ["FIM"]
    log = proc._log
    await reg.stop_all()
    assert not os.path.exists(log)  # o arquivo de log vai embora com o processo
