"""Corretores dos exercícios do notebook 01 (HTTP: requisição e resposta).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch01.py``.
"""

from __future__ import annotations

import h11

from .grader import Hint, exercise, require_callable

__all__ = ["header_size_reference", "raw_request", "header_size", "echo_handler"]


@exercise("01.1")
def raw_request(answer: bytes) -> None:
    """Bytes de um ``GET /hora`` HTTP/1.1 com ``Host`` e pedindo para fechar a conexão."""
    if isinstance(answer, str):
        raise Hint("A resposta deve ser bytes, não str: escreva b\"...\" (com o b na frente).")
    if not isinstance(answer, (bytes, bytearray)):
        raise Hint("A resposta deve ser um valor bytes, como b\"GET ...\".")
    answer = bytes(answer)
    if b"\r\n" not in answer:
        raise Hint("Em HTTP cada linha termina com \\r\\n (CR LF), não só com \\n.")
    if not answer.endswith(b"\r\n\r\n"):
        raise Hint("Os headers terminam com uma linha em branco: a requisição acaba em \\r\\n\\r\\n.")
    first = answer.split(b"\r\n", 1)[0]
    parts = first.split(b" ")
    if len(parts) != 3:
        raise Hint("A primeira linha tem três partes separadas por um espaço: método, caminho e versão.")
    method, target, version = parts
    if method != b"GET":
        raise Hint("O método deve ser GET, em maiúsculas.")
    if target != b"/hora":
        raise Hint("Confira o caminho pedido no enunciado (ele começa com /).")
    if version != b"HTTP/1.1":
        raise Hint("A versão se escreve HTTP/1.1, exatamente assim.")
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(answer)
    try:
        event = conn.next_event()
    except h11.RemoteProtocolError as exc:
        if "Host" in str(exc):
            raise Hint("Em HTTP/1.1 o header Host é obrigatório.") from None
        raise Hint("Algum header está mal formado: cada um é 'Nome: valor' numa linha.") from None
    if not isinstance(event, h11.Request):
        raise Hint("Não encontrei uma requisição completa: confira a linha em branco do final.")
    connection = [v.lower() for k, v in event.headers if k == b"connection"]
    if b"close" not in connection:
        raise Hint("Falta pedir ao servidor que feche a conexão depois da resposta (um header).")


def header_size_reference(response: bytes) -> int:
    """Bytes da linha de status + headers + linha em branco, medidos pelo h11."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(response)
    event = conn.next_event()
    assert isinstance(event, h11.Response), event
    return len(response) - len(conn.trailing_data[0])


_SAMPLES = [
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nola!!",
    b"HTTP/1.1 204 No Content\r\nServer: curso\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nab\r\n\r\ncd\r\n\r\n",
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nX-Teste: 1\r\n\r\nnot found",
]


@exercise("01.2")
def header_size(answer) -> None:
    """Uma função ``f(resposta: bytes) -> int``: quantos bytes vêm antes do corpo."""
    require_callable(answer)
    for sample in _SAMPLES:
        expected = header_size_reference(sample)
        got = answer(sample)
        if not isinstance(got, int):
            raise Hint("A função deve devolver um número inteiro (int).")
        if got == expected:
            continue
        if sample.count(b"\r\n\r\n") > 1:
            raise Hint("Cuidado quando o corpo também contém \\r\\n\\r\\n: "
                       "os headers acabam na *primeira* linha em branco.")
        if got == expected - 4:
            raise Hint("Quase: a linha em branco que separa headers e corpo (\\r\\n\\r\\n) também conta.")
        if got == len(sample):
            raise Hint("Você contou a resposta inteira; pare onde os headers acabam.")
        raise Hint("A conta não bate: os headers vão do início até a primeira linha em branco, inclusive.")


@exercise("01.3")
async def echo_handler(answer) -> None:
    """Um handler aiohttp que devolve, no corpo, o User-Agent de quem pediu."""
    import inspect

    import aiohttp
    from aiohttp import web

    from ..core.lifecycle import HttpServer

    if not callable(answer) or not inspect.iscoroutinefunction(answer):
        raise Hint("O handler deve ser uma função async def que recebe request.")
    app = web.Application()
    app.router.add_get("/eco", answer)
    server = HttpServer(app)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            for agent in ("curso-teste/1.0", "Navegador Imaginário 42"):
                async with session.get(f"{server.url}eco", headers={"User-Agent": agent}) as resp:
                    body = await resp.text()
                    if resp.status == 500:
                        raise Hint("O handler levantou uma exceção (o servidor respondeu 500). "
                                   "Teste-o chamando o servidor na célula acima.")
                    if resp.status != 200:
                        raise Hint(f"O status deveria ser 200, mas veio {resp.status}.")
                    if body.strip() != agent:
                        raise Hint("O corpo deve ser exatamente o valor do header User-Agent "
                                   "da requisição (veja request.headers).")
    finally:
        await server.close()
