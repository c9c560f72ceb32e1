"""O handshake WebSocket à mão e um cliente cru que, depois dele, fala em frames.

Introduzido no notebook 04. O notebook mostra o handshake inteiro numa célula (o ``GET`` com
``Upgrade: websocket`` e o cálculo do ``Sec-WebSocket-Accept``); este módulo guarda as mesmas
peças para as células seguintes, que precisam de uma conexão crua já aberta para mandar frames
montados à mão (inclusive frames inválidos, de propósito) e ler, byte a byte, o que o servidor
devolve.

* ``accept_key``: RFC 6455 §1.3 / §4.2.2: SHA-1 de chave + GUID, em base64.
* ``upgrade_request``: os bytes do ``GET`` de abertura (§4.1).
* ``forward_head``: o que um proxy reverso faz com os headers do pedido (RFC 9110 §7.6.1): os
  *hop-by-hop* (``Connection``, ``Upgrade``...) valem só para um salto e não passam adiante, a
  menos que o proxy seja configurado para o WebSocket.
* ``RawWebSocket``: socket TCP cru + codec de ``helpers.protocols.wsframes``; toda espera tem limite.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib

from .wsframes import Frame, FrameError, IncompleteFrame, Opcode, decode_frame, encode_frame

__all__ = [
    "GUID",
    "SAMPLE_KEY",
    "SAMPLE_MASK",
    "HandshakeFailed",
    "RawWebSocket",
    "HOP_BY_HOP",
    "accept_key",
    "forward_head",
    "upgrade_request",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3: o mesmo em todo servidor

#: A chave de exemplo da RFC 6455 §1.3 (fixa, para a saída do notebook ser sempre a mesma).
SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
#: Chave de máscara fixa dos exemplos (a da RFC 6455 §5.7); na vida real, uma nova por frame.
SAMPLE_MASK = bytes.fromhex("37fa213d")


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` para a ``Sec-WebSocket-Key`` dada (RFC 6455 §4.2.2, item 5.4)."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def upgrade_request(
    key: str = SAMPLE_KEY,
    host: str = "127.0.0.1",
    path: str = "/",
    version: str | None = "13",
    extra: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """Os bytes do ``GET`` que pede o upgrade para WebSocket (RFC 6455 §4.1)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade"]
    if key is not None:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version is not None:
        lines.append(f"Sec-WebSocket-Version: {version}")
    lines += [f"{name}: {value}" for name, value in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


#: Headers que valem só entre dois vizinhos (RFC 9110 §7.6.1; RFC 9112 §7.1 para o chunked):
#: um proxy os consome e não os repassa, junto com os que ``Connection`` listar.
HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
              "upgrade")


def forward_head(head: bytes, *, websocket: bool = False) -> bytes:
    """O cabeçalho de um pedido HTTP/1.1 como um proxy reverso o repassa ao servidor.

    Sem configuração, os headers *hop-by-hop* somem (e o servidor WebSocket recebe um ``GET``
    comum); com ``websocket=True`` (o ``proxy_set_header Upgrade``/``Connection`` do nginx),
    ``Upgrade`` e ``Connection: upgrade`` são repassados de propósito.

    >>> forward_head(b"GET / HTTP/1.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n")
    b'GET / HTTP/1.1\\r\\n\\r\\n'
    """
    first, *lines = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    fields = [line.split(b":", 1) for line in lines if b":" in line]
    listed = {t.strip().lower().decode("latin-1") for name, value in fields
              if name.strip().lower() == b"connection" for t in value.split(b",")}
    drop = set(HOP_BY_HOP) | listed
    kept = [name + b":" + value for name, value in fields if name.strip().lower().decode("latin-1") not in drop]
    upgrade = next((v.strip() for n, v in fields if n.strip().lower() == b"upgrade"), None)
    if websocket and upgrade is not None:
        kept += [b"Upgrade: " + upgrade, b"Connection: upgrade"]
    return b"\r\n".join([first, *kept]) + b"\r\n\r\n"


class HandshakeFailed(ConnectionError):
    """O servidor não respondeu ``101`` com o ``Sec-WebSocket-Accept`` certo."""


def _header(head: bytes, name: str) -> str | None:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


class RawWebSocket:
    """Um cliente WebSocket cru: handshake à mão, depois frames do codec do curso.

    ::

        async with await RawWebSocket.connect(servidor.port) as ws:
            await ws.send(Frame.text("oi", mask=SAMPLE_MASK))
            frame = await ws.recv()

    Os frames enviados vão exatamente como dados (``send`` aceita ``Frame`` ou ``bytes``);
    ``recv_raw`` devolve os bytes de um frame do servidor, ``recv`` o ``Frame`` decodificado.
    Toda leitura espera no máximo ``timeout`` segundos.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, response: bytes,
                 timeout: float = 2.0):
        self.reader, self.writer, self.response, self.timeout = reader, writer, response, timeout
        self._buffer = bytearray()
        self.close_sent = False

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1", *, key: str = SAMPLE_KEY,
                      path: str = "/", timeout: float = 2.0) -> RawWebSocket:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        try:
            writer.write(upgrade_request(key, host, path))
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status = head.split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" ":
                raise HandshakeFailed(f"o servidor não aceitou o upgrade: {status.decode('latin-1')}")
            if _header(head, "Sec-WebSocket-Accept") != accept_key(key):
                raise HandshakeFailed("Sec-WebSocket-Accept errado na resposta do servidor")
        except BaseException:
            writer.close()
            raise
        return cls(reader, writer, head, timeout)

    async def send(self, frame: Frame | bytes, *, check: bool = True) -> bytes:
        """Envia um frame (``check=False`` deixa mandar um inválido); devolve os bytes enviados."""
        data = frame if isinstance(frame, (bytes, bytearray)) else encode_frame(frame, check=check)
        if data[:1] and data[0] & 0x0F == Opcode.CLOSE:
            self.close_sent = True
        self.writer.write(data)
        await self.writer.drain()
        return bytes(data)

    async def _fill(self) -> None:
        chunk = await asyncio.wait_for(self.reader.read(65536), self.timeout)
        if not chunk:
            raise ConnectionError("o servidor fechou a conexão TCP")
        self._buffer += chunk

    async def recv_raw(self) -> bytes:
        """Os bytes exatos do próximo frame do servidor (sem validar nada além do formato)."""
        while True:
            try:
                _, used = decode_frame(self._buffer, check=False)
            except IncompleteFrame:
                await self._fill()
                continue
            data = bytes(self._buffer[:used])
            del self._buffer[:used]
            return data

    async def recv(self) -> Frame:
        """O próximo frame do servidor, decodificado e validado pelo codec do curso."""
        frame, _ = decode_frame(await self.recv_raw(), from_client=False)
        return frame

    async def close(self, code: int | None = 1000, reason: str = "", *, mask: bytes = SAMPLE_MASK) -> Frame | None:
        """Fecha com o close handshake (§7.1.2): envia CLOSE, espera o CLOSE de volta e o fim
        do TCP. Devolve o CLOSE do servidor (``None`` se ele já tinha ido embora)."""
        answer = None
        try:
            await self.send(Frame(Opcode.CLOSE, _close_payload(code, reason), mask=mask))
            while answer is None:
                frame = await self.recv()
                if frame.opcode == Opcode.CLOSE:
                    answer = frame
        except (ConnectionError, asyncio.TimeoutError, FrameError):
            pass
        await self.aclose()
        return answer

    async def reply_close(self, received: Frame, *, mask: bytes = SAMPLE_MASK) -> None:
        """Responde ao CLOSE que o servidor mandou (ecoando o código, §5.5.1) e fecha o TCP.

        Se nós já tínhamos mandado um CLOSE, o handshake de fechamento está completo: só fecha."""
        if not self.close_sent:
            try:
                await self.send(Frame(Opcode.CLOSE, received.payload[:2], mask=mask))
            except ConnectionError:
                pass
        await self.aclose()

    async def aclose(self) -> None:
        """Fecha o TCP (esperando o servidor fechar o lado dele, no máximo ``timeout`` s)."""
        if self.writer.is_closing():
            return
        try:
            if self.writer.can_write_eof():
                self.writer.write_eof()
            await asyncio.wait_for(self._drain_until_eof(), self.timeout)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass

    async def _drain_until_eof(self) -> None:
        while await self.reader.read(65536):
            pass

    async def __aenter__(self) -> RawWebSocket:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "fechado" if self.writer.is_closing() else "aberto"
        return f"RawWebSocket({state})"


def _close_payload(code: int | None, reason: str) -> bytes:
    if code is None:
        return b""
    return code.to_bytes(2, "big") + reason.encode("utf-8")
