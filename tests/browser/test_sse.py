"""No Chromium: um ``EventSource`` de verdade, derrubado no meio do fluxo, recebe cada evento
exatamente uma vez (o servidor das técnicas do capítulo 07 segue o ``Last-Event-ID``)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import pytest
from aiohttp import web

from helpers.scale.techniques import SSE_RESUMED, create_server_app

pytestmark = pytest.mark.browser


class ServerThread:
    """O app aiohttp num laço asyncio próprio, numa thread (o Playwright síncrono ocupa esta)."""

    def __init__(self, app: web.Application):
        self.app, self.loop = app, asyncio.new_event_loop()
        self.streams: list[asyncio.Transport] = []
        self.ready = threading.Event()

        @web.middleware
        async def remember_streams(request, handler):
            if request.path == "/sse":
                self.streams.append(request.transport)
            return await handler(request)

        app.middlewares.append(remember_streams)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(30), "o servidor não subiu"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self.runner.addresses[0][1]
        self.ready.set()
        self.loop.run_forever()

    def call(self, fn) -> None:
        """Roda ``fn`` no laço do servidor e espera terminar."""
        done = threading.Event()
        self.loop.call_soon_threadsafe(lambda: (fn(), done.set()))
        assert done.wait(10)

    def post(self, text: str) -> int:
        body = json.dumps({"de": "Ana", "texto": text}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/mensagens", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["id"]

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop)
        future.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def sse_server(chromium):
    server = ServerThread(create_server_app(sse_retry_ms=200, sse_heartbeat_s=5))
    try:
        yield server
    finally:
        server.stop()


# O código que um aluno escreveria: um EventSource, um handler de message, nada de reconexão à mão.
STUDENT_JS = """() => {
  window.recebidos = [];
  window.aberturas = 0;
  const fonte = new EventSource("/sse?since=0");
  fonte.onopen = () => { window.aberturas += 1; };
  fonte.onmessage = (evento) => window.recebidos.push(Number(evento.lastEventId));
}"""


def test_eventsource_dropped_mid_stream_gets_every_event_exactly_once(page, sse_server):
    page.goto(f"http://127.0.0.1:{sse_server.port}/contagem")  # a origem do servidor
    page.evaluate(STUDENT_JS)
    page.wait_for_function("() => window.aberturas === 1")
    for i in range(1, 6):
        sse_server.post(f"antes {i}")
    page.wait_for_function("() => window.recebidos.length >= 5")

    sse_server.call(lambda: [t.abort() for t in sse_server.streams])  # a rede cai no meio do fluxo
    for i in range(6, 11):
        sse_server.post(f"depois {i}")  # chegam enquanto o navegador está fora
    page.wait_for_function("() => window.aberturas === 2 && window.recebidos.length >= 10")

    assert page.evaluate("() => window.recebidos") == list(range(1, 11))
    assert sse_server.app[SSE_RESUMED] == [5], "o navegador deveria voltar com Last-Event-ID: 5"
