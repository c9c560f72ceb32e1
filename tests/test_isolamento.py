"""Isolamento no loopback: num hub compartilhado, o kernel de outro usuário não entra no chat.

Com spawners locais (e no The Littlest JupyterHub) todos os usuários dividem o mesmo
``127.0.0.1``: o kernel do Bruno abre ``127.0.0.1:PORTA`` da Ana sem passar pelo hub. O chat
que o notebook inicia só atende quem traz o segredo do link (``/SEGREDO/``, helpers.core.links).

O "kernel do Bruno" aqui é outro processo; como root, ele roda como o usuário ``nobody``
(outro usuário de verdade, como no hub). Ele tenta a página e o WebSocket sem o segredo, com um
segredo chutado, e por fim com o link que o notebook da Ana mostra (esse funciona: o segredo é
o que separa os dois casos, não o processo).
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import subprocess
import sys

import pytest

from helpers.chat import ChatServer
from helpers.core.links import strip_secret, url_for_port

STRANGER = r'''
import asyncio, json, sys, urllib.error, urllib.request
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

port, link_page, link_ws = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code

async def ws(url):
    try:
        async with connect(url, open_timeout=5) as c:
            await c.send(json.dumps({"action": "join", "nick": "Bruno"}))
            return json.loads(await asyncio.wait_for(c.recv(), 5))["type"]
    except InvalidStatus as e:
        return e.response.status_code

async def main():
    base = f"127.0.0.1:{port}"
    print(json.dumps({
        "pagina sem segredo": get(f"http://{base}/"),
        "ws sem segredo": await ws(f"ws://{base}/ws"),
        "ws com segredo chutado": await ws(f"ws://{base}/AAAAAAAAAAAAAAAAAAAAAA/ws"),
        "pagina pelo link": get(link_page),
        "ws pelo link": await ws(link_ws),
    }))

asyncio.run(main())
'''


def _other_user() -> dict:
    """Como root, roda o processo como ``nobody`` (se ele existe e consegue ler o ambiente)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return {}
    probe = subprocess.run([sys.executable, "-c", "import websockets"], user="nobody",
                           capture_output=True, timeout=30)
    return {"user": "nobody"} if probe.returncode == 0 else {}


def test_strip_secret_needs_the_whole_first_segment():
    assert strip_secret("/s3gr3d0/ws", "s3gr3d0") == "/ws"
    assert strip_secret("/s3gr3d0/", "s3gr3d0") == "/"
    assert strip_secret("/s3gr3d0", "s3gr3d0") is None  # sem a barra, não é o prefixo
    assert strip_secret("/s3gr3d0x/ws", "s3gr3d0") is None
    assert strip_secret("/s3gr/ws", "s3gr3d0") is None
    assert strip_secret("/ws", "s3gr3d0") is None
    assert strip_secret("/ws", None) == "/ws"


def test_every_chat_server_gets_its_own_secret_and_its_urls_carry_it():
    a, b = ChatServer(), ChatServer()
    assert a.secret and b.secret and a.secret != b.secret and len(a.secret) >= 22
    assert a.prefix == f"/{a.secret}/" and a.ws_path == f"/{a.secret}/ws"
    assert ChatServer(secret=False).prefix == "/"
    assert ChatServer(secret="fixo").ws_path == "/fixo/ws"


async def test_another_users_process_on_the_same_loopback_is_refused_without_the_link():
    chat = ChatServer()
    await chat.start()
    try:
        link_page = url_for_port(chat.port, chat.prefix, environ={})  # o link do notebook
        assert link_page == chat.page_url
        done = await asyncio.to_thread(  # o servidor continua atendendo neste laço de eventos
            subprocess.run, [sys.executable, "-c", STRANGER, str(chat.port), link_page, chat.url],
            capture_output=True, text=True, timeout=60, **_other_user())
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
    finally:
        await chat.close()
    assert seen == {
        "pagina sem segredo": 403,
        "ws sem segredo": 403,
        "ws com segredo chutado": 403,
        "pagina pelo link": 200,
        "ws pelo link": "welcome",
    }
