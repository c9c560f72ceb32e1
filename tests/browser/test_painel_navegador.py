"""O painel da turma no Chromium, com 50 alunos de roteiro conversando (issue 16, parte 3).

O chat roda como o guia do instrutor manda (``python -m helpers.chat``, o mesmo de
``python3 curso.py chat``), em 127.0.0.1, com token da turma e ``--token-professor``. Cinquenta
clientes ``websockets`` (num laço asyncio próprio, noutra thread) entram e mandam uma mensagem
por segundo cada um, no máximo 90 s, até o teste terminar. A página ``/painel#token=PROF`` mostra
50 conectados, as mensagens contando e as setas do diagrama; sem token, ou com o token da turma,
o painel é recusado.

A captura fica em ``artifacts/painel-da-turma.png``; com ``CURSO_ATUALIZAR_IMAGENS=1`` ela também
substitui ``images/05-painel-da-turma.png`` (a do guia do instrutor).
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import shutil
import threading
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from websockets.asyncio.client import connect

from labdriver import screenshot
from support import CHAT_MARKER

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUDENTS, TURMA, PROF = 50, "token-da-turma", "token-do-professor"


class ScriptedRoom:
    """50 alunos num laço próprio: entram, mandam 1 mensagem/s cada, param em ``stop()``."""

    def __init__(self, port: int):
        self.port, self.joined, self.sent = port, 0, 0
        self.loop = asyncio.new_event_loop()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[BaseException] = []

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(asyncio.wait_for(self._room(), 90))
        except (TimeoutError, asyncio.CancelledError):
            pass
        except Exception as exc:  # mostrado pelo teste, não perdido
            self.errors.append(exc)
        finally:
            self.loop.close()

    async def _student(self, k: int) -> None:
        async with connect(f"ws://127.0.0.1:{self.port}/ws", open_timeout=20) as ws:
            await ws.send(json.dumps({"action": "join", "nick": f"aluno{k:02d}", "token": TURMA}))
            self.joined += 1
            reader = asyncio.ensure_future(self._drain(ws))
            try:
                for n in range(90):  # limitado: no máximo 90 mensagens
                    if self.done.is_set():
                        break
                    await ws.send(json.dumps({"action": "send", "text": f"mensagem {n} do aluno {k}"}))
                    self.sent += 1
                    await asyncio.sleep(1 + k / STUDENTS)  # o ritmo do roteiro (não espera nada)
            finally:
                reader.cancel()

    @staticmethod
    async def _drain(ws) -> None:
        async for _ in ws:
            pass

    async def _room(self) -> None:
        await asyncio.gather(*(self._student(k) for k in range(STUDENTS)))

    def start(self) -> "ScriptedRoom":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.done.set()
        self.thread.join(30)


def status(url: str, token: str | None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_painel_shows_fifty_students_chatting(page, tmp_path, standalone_server):
    _, port = standalone_server("helpers.chat", "--port", "0", "--dados", str(tmp_path),
                                "--token", TURMA, "--token-professor", PROF, marker=CHAT_MARKER)
    base = f"http://127.0.0.1:{port}/"
    room = ScriptedRoom(port).start()
    try:
        # um aluno (sem token, ou com o token da turma) não lê o painel
        assert status(base + "painel.json", None) == 403
        assert status(base + "painel.json", TURMA) == 403
        page.goto(base + "painel")
        page.locator("#estado.erro").wait_for()
        assert "token do professor" in page.locator("#estado").inner_text()
        assert page.locator("#conectados").inner_text() == "–"
        page.goto(base + f"painel#token={TURMA}")
        page.reload()
        page.locator("#estado.erro").wait_for()

        # o professor
        page.goto("about:blank")
        page.goto(base + f"painel#token={PROF}")
        # (a página tem CSP sem 'unsafe-eval': as esperas usam localizadores, não JS avaliado)
        expect(page.locator("#conectados")).to_have_text("50", timeout=60_000)
        expect(page.locator("#msgs")).to_have_text(re.compile(r"· [1-9]"), timeout=30_000)  # saindo > 0
        expect(page.locator("#diagrama g.arrow").nth(9)).to_be_attached(timeout=30_000)
        assert page.locator("#lentos tr").count() == 5
        assert "50 conectados" in page.locator("#resumo").inner_text()
        shot = screenshot(page, "painel-da-turma")
        if os.environ.get("CURSO_ATUALIZAR_IMAGENS"):
            shutil.copy(shot, ROOT / "images" / "05-painel-da-turma.png")
    finally:
        room.stop()
    assert not room.errors, room.errors
    assert room.joined == STUDENTS and room.sent >= STUDENTS
