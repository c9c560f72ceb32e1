"""Links para portas do kernel: a regra pura e a prova com servidores de verdade.

A prova via proxy sobe um ``jupyter server`` de verdade (com o jupyter-server-proxy, como no
JupyterHub/Binder) em 127.0.0.1 com ``base_url=/user/aluno/`` e busca, pela URL que
``url_for_port`` devolve, um servidor aiohttp que escuta só em 127.0.0.1 neste processo (o
papel do kernel).
"""

import asyncio
import doctest
import html
import pathlib
import socket

import aiohttp
import pytest
from aiohttp import web

import helpers.core.links
from helpers.core.lifecycle import HttpServer
from helpers.core.links import Link, proxy_prefix, url_for_port
from jupyter_server import jupyter_server

HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/aluno/"}
WS_ENDED = web.AppKey("ws_ended", asyncio.Event)


# --- a regra, pura ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, None),
        ({"JUPYTERHUB_SERVICE_PREFIX": ""}, None),
        (HUB, "/user/aluno/"),
        ({"JUPYTERHUB_SERVICE_PREFIX": "/user/aluno"}, "/user/aluno/"),  # barra final acrescentada
        ({"CURSO_PROXY_PREFIX": "/"}, "/"),
        ({"CURSO_PROXY_PREFIX": "/lab-local"}, "/lab-local/"),
        ({**HUB, "CURSO_PROXY_PREFIX": "/outro/"}, "/outro/"),  # CURSO_PROXY_PREFIX vence
        ({**HUB, "CURSO_PROXY_PREFIX": ""}, None),  # vazio força o modo local, mesmo no hub
    ],
)
def test_proxy_prefix(environ, expected):
    assert proxy_prefix(environ) == expected


def test_proxy_prefix_reads_os_environ_when_not_given(monkeypatch):
    monkeypatch.delenv("CURSO_PROXY_PREFIX", raising=False)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/bia/")
    assert proxy_prefix() == "/user/bia/"
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX")
    assert proxy_prefix() is None


@pytest.mark.parametrize(
    "port, path, environ, expected",
    [
        (8000, "/", {}, "http://127.0.0.1:8000/"),
        (8000, "chat", {}, "http://127.0.0.1:8000/chat"),  # a barra inicial é acrescentada
        (8000, "/a/b?x=1&y=2", {}, "http://127.0.0.1:8000/a/b?x=1&y=2"),
        (1, "/", {}, "http://127.0.0.1:1/"),
        (65535, "/", {}, "http://127.0.0.1:65535/"),
        (8000, "/", HUB, "/user/aluno/proxy/127.0.0.1:8000/"),
        (8000, "/chat?x=1", HUB, "/user/aluno/proxy/127.0.0.1:8000/chat?x=1"),
        (8000, "ws", {"CURSO_PROXY_PREFIX": "/"}, "/proxy/127.0.0.1:8000/ws"),
    ],
)
def test_url_for_port(port, path, environ, expected):
    assert url_for_port(port, path, environ=environ) == expected


@pytest.mark.parametrize("port", [0, -1, 65536, 100000])
def test_url_for_port_rejects_invalid_ports_in_portuguese(port):
    with pytest.raises(ValueError, match="Porta inválida"):
        url_for_port(port, environ={})


def test_docstring_examples_hold():
    result = doctest.testmod(helpers.core.links, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2
    assert result.failed == 0


def test_link_local(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    monkeypatch.delenv("CURSO_PROXY_PREFIX", raising=False)
    link = Link(8123, "/chat?sala=1&nome=<ana>", text="abrir o chat")
    assert link.url == "http://127.0.0.1:8123/chat?sala=1&nome=<ana>"
    assert repr(link) == "abrir o chat: http://127.0.0.1:8123/chat?sala=1&nome=<ana>"
    h = link._repr_html_()
    assert h == (
        '<a href="http://127.0.0.1:8123/chat?sala=1&amp;nome=&lt;ana&gt;" target="_blank" '
        'rel="noopener">abrir o chat</a>'
    )
    assert html.unescape(h.split('"')[1]) == link.url


def test_link_follows_the_environment_at_use_time(monkeypatch):
    monkeypatch.delenv("CURSO_PROXY_PREFIX", raising=False)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    link = Link(9000)
    assert link.url == "http://127.0.0.1:9000/"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/aluno/")
    assert link.url == "/user/aluno/proxy/127.0.0.1:9000/"
    assert repr(link) == "abrir: /user/aluno/proxy/127.0.0.1:9000/"
    assert 'href="/user/aluno/proxy/127.0.0.1:9000/"' in link._repr_html_()


# --- a prova, com servidores de verdade ---------------------------------------------------------


def echo_app(who: str = "kernel") -> web.Application:
    ws_ended = asyncio.Event()

    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=f"{who} viu {request.method} {request.path_qs}")

    async def ws_echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(f"eco: {msg.data}")
        ws_ended.set()
        return ws

    app = web.Application()
    app[WS_ENDED] = ws_ended
    app.router.add_get("/ws", ws_echo)
    app.router.add_get("/{tail:.*}", echo)
    return app


async def test_local_url_reaches_the_server():
    server = HttpServer(echo_app())
    await server.start()
    try:
        url = url_for_port(server.port, "/caminho?x=1", environ={})
        async with aiohttp.ClientSession() as s, s.get(url, timeout=aiohttp.ClientTimeout(total=5)) as r:
            assert r.status == 200
            assert await r.text() == "kernel viu GET /caminho?x=1"
    finally:
        await server.close()


@pytest.fixture(scope="module")
def hub_like_server(tmp_path_factory):
    """Um jupyter server como o do JupyterHub: base_url /user/aluno/, token, proxy ligado."""
    with jupyter_server(tmp_path_factory.mktemp("jupyter"), base_url="/user/aluno/") as server:
        status, body = server.get("server-proxy/servers-info")
        assert status == 200, (
            "o jupyter-server-proxy não foi carregado como extensão do servidor "
            f"(HTTP {status} em server-proxy/servers-info)\n{server.log()[-3000:]}"
        )
        assert "jupyter_server_proxy | extension was successfully loaded" in server.log()
        yield server


async def test_proxy_url_reaches_the_kernel_server_through_jupyter_server_proxy(hub_like_server):
    jupyter = hub_like_server
    server = HttpServer(echo_app())  # escuta só em 127.0.0.1
    await server.start()
    try:
        url = url_for_port(server.port, "/caminho?x=1&nome=J%C3%BAlia", environ=HUB)
        assert url.startswith("/user/aluno/proxy/")
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(headers=jupyter.headers, timeout=timeout) as s:
            async with s.get(f"{jupyter.origin}{url}") as r:
                assert r.status == 200, await r.text()
                assert await r.text() == "kernel viu GET /caminho?x=1&nome=J%C3%BAlia"
            # sem o token, o Jupyter não deixa passar (o proxy é tão protegido quanto o Lab)
            async with aiohttp.ClientSession(timeout=timeout) as anon:
                async with anon.get(f"{jupyter.origin}{url}", allow_redirects=False) as r:
                    assert r.status in (302, 403), r.status
            # WebSocket pelo mesmo caminho (o chat do notebook 05 depende disso)
            ws_url = f"ws://127.0.0.1:{jupyter.port}{url_for_port(server.port, '/ws', environ=HUB)}"
            async with s.ws_connect(ws_url) as ws:
                await ws.send_str("olá")
                msg = await ws.receive(timeout=5)
                assert msg.data == "eco: olá"
            # fechar do lado do navegador fecha também a conexão do proxy com o kernel
            await asyncio.wait_for(server.app[WS_ENDED].wait(), 5)
    finally:
        await server.close()


async def test_the_hardened_chat_works_through_jupyter_server_proxy_with_the_page_key(hub_like_server, tmp_path):
    """Pelo proxy o ``Host`` e o ``Origin`` são os do hub (fora da lista do loopback, como numa
    página de DNS rebinding): o ``join`` só passa com a chave que ``chat.page_link`` põe no link."""
    import json

    from helpers.chat.server import ChatServer

    jupyter = hub_like_server
    chat = ChatServer(tmp_path / "chat.sqlite3")
    await chat.start()
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with aiohttp.ClientSession(headers=jupyter.headers, timeout=timeout) as s:
            page = url_for_port(chat.port, chat.page_link, environ=HUB)
            assert page.endswith(f"/proxy/127.0.0.1:{chat.port}{chat.prefix}#token={chat.key}")
            async with s.get(f"{jupyter.origin}{page}") as r:
                assert r.status == 200 and "Chat do curso" in await r.text()
            ws_url = f"ws://127.0.0.1:{jupyter.port}{url_for_port(chat.port, chat.ws_path, environ=HUB)}"
            for token, expected in ((None, "error"), (chat.key, "welcome")):
                async with s.ws_connect(ws_url, headers={"Origin": jupyter.origin}) as ws:
                    join = {"action": "join", "nick": "Júlia"} | ({"token": token} if token else {})
                    await ws.send_str(json.dumps(join))
                    assert json.loads((await ws.receive(timeout=5)).data)["type"] == expected
    finally:
        await chat.close()


# Um servidor jupyter cujo "localhost" resolve primeiro para ::1, como em muitas distribuições
# Linux (/etc/hosts com "::1 localhost"). Simulado com um Resolver do tornado no arquivo de
# configuração, porque o /etc/hosts desta máquina não é nosso.
V6_FIRST_CONFIG = '''
import socket
from tornado.netutil import DefaultExecutorResolver, Resolver

class LocalhostIPv6First(DefaultExecutorResolver):
    async def resolve(self, host, port, family=socket.AF_UNSPEC):
        if host == "localhost":
            return [(socket.AF_INET6, ("::1", port, 0, 0)), (socket.AF_INET, ("127.0.0.1", port))]
        return await super().resolve(host, port, family)

Resolver.configure(LocalhostIPv6First)
'''


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def v6_first_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyter-v6")
    config = pathlib.Path(tmp, "home", "config")
    config.mkdir(parents=True)
    (config / "jupyter_server_config.py").write_text(V6_FIRST_CONFIG, "utf-8")
    with jupyter_server(tmp, base_url="/user/aluno/") as server:
        yield server


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="sem IPv6 de loopback (::1) nesta máquina")
async def test_proxy_url_is_not_fooled_by_another_server_on_ipv6_localhost(v6_first_server):
    """Por que url_for_port usa ``proxy/127.0.0.1:PORTA/`` e não ``proxy/PORTA/``.

    Medido: com ``localhost`` → ``::1`` primeiro, ``proxy/PORTA/`` ainda chega ao nosso servidor
    (o tornado tenta o IPv4 quando o IPv6 é recusado), mas se outro programa escuta em
    ``[::1]:PORTA`` é a página *dele* que o aluno vê. ``proxy/127.0.0.1:PORTA/`` sempre chega ao
    nosso.
    """
    jupyter = v6_first_server
    ours = HttpServer(echo_app("kernel"))
    await ours.start()
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with aiohttp.ClientSession(headers=jupyter.headers, timeout=timeout) as s:
            short = f"{jupyter.url('proxy')}/{ours.port}/caminho"
            async with s.get(short) as r:  # sem ninguém em ::1: o fallback para IPv4 funciona
                assert await r.text() == "kernel viu GET /caminho"

            other = HttpServer(echo_app("OUTRO PROGRAMA"), host="::1", port=ours.port)
            await other.start()
            try:
                async with s.get(short) as r:  # a forma curta cai no programa errado
                    assert await r.text() == "OUTRO PROGRAMA viu GET /caminho"
                url = url_for_port(ours.port, "/caminho", environ=HUB)
                async with s.get(f"{jupyter.origin}{url}") as r:
                    assert r.status == 200
                    assert await r.text() == "kernel viu GET /caminho"
            finally:
                await other.close()
    finally:
        await ours.close()
