"""Decodificador HTTP/1.1 do tap: bytes das duas direções entram, eventos saem. Sem I/O.

Introduzido no notebook 01. Usa o parser do h11 (não um feito à mão): uma conexão h11 no papel
de *servidor* lê o que o cliente envia; outra, no papel de *cliente*, lê o que o servidor
responde. O que uma lê é repassado à outra com ``send()``, para que as duas máquinas de estado
andem juntas (a de respostas precisa saber a que requisição responde; as duas precisam saber de
``Connection: close`` e do ``101 Switching Protocols``).

Depois de um ``101``, os bytes seguintes não são mais HTTP: vão para o decodificador de
``upgrade`` (frames WebSocket, no capítulo 04) ou viram eventos ``Raw``. Bytes que o h11 não
entende também viram ``Raw``. Cada resposta sai com ``reply_to`` = a requisição que ela responde
(no HTTP/1.1 as respostas vêm na ordem das requisições): o diagrama usa isso para desenhar uma
requisição segurada (long polling). Um erro interno vira ``Raw`` pela rede de segurança comum
(``events.safe_feed``), com os bytes guardados devolvidos por ``recover``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import h11

from .events import C2S, S2C, Decoder, Event, HttpRequest, HttpResponse, Raw, safe_feed

__all__ = ["HttpDecoder", "RawDecoder"]

log = logging.getLogger("curso.tap")

BODY_LIMIT = 1 << 20  # guarda no máximo 1 MiB de corpo por mensagem


class RawDecoder:
    """Não entende nada: cada pedaço vira um ``Raw``."""

    def __init__(self, conn: int, note: str = ""):
        self.conn, self.note = conn, note

    def feed(self, direction: str, data: bytes, t: float) -> list[Event]:
        return [Raw(self.conn, direction, t, bytes(data), note=self.note)] if data else []


def _headers(event) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items())


class _Side:
    """Estado de uma direção: o parser h11 e a mensagem em andamento."""

    def __init__(self, role):
        self.h11 = h11.Connection(role)
        self.pending = bytearray()  # bytes desde o início da mensagem atual
        self.start: float | None = None
        self.head = None
        self.body = bytearray()
        self.broken = False
        self.eof = False
        self.has_current = False  # os bytes desta chamada já estão em pending?


class HttpDecoder:
    """Transforma o tráfego de uma conexão em ``HttpRequest``/``HttpResponse``."""

    def __init__(self, conn: int, upgrade: Callable[[int], Decoder] | None = None):
        self.conn = conn
        self.sides = {C2S: _Side(h11.SERVER), S2C: _Side(h11.CLIENT)}
        self.upgrade_factory = upgrade
        self.switched: Decoder | None = None
        self.unanswered: deque[HttpRequest] = deque()  # requisições ainda sem resposta, em ordem

    def recover(self, direction: str, data: bytes) -> bytes:
        """Depois de um erro interno: esta direção vira bytes crus; devolve os que estavam guardados."""
        side = self.sides[direction]
        side.broken = True
        blob = bytes(side.pending) + (b"" if side.has_current else bytes(data))
        side.pending.clear()
        return blob

    def feed(self, direction: str, data: bytes, t: float) -> list[Event]:
        if self.switched is not None:
            return safe_feed(self.switched, self.conn, direction, data, t)
        side = self.sides[direction]
        if side.broken:
            return [Raw(self.conn, direction, t, bytes(data), note="após erro de protocolo")] if data else []
        side.has_current = False
        if side.h11.their_state is h11.CLOSED or side.eof:
            return [Raw(self.conn, direction, t, bytes(data), note="depois do fim da conexão")] if data else []
        side.eof = not data
        side.h11.receive_data(bytes(data))
        if data and side.start is None:
            side.start = t
        side.pending += data
        side.has_current = True
        events = self._drain(direction, t)
        # Um ciclo completo libera a próxima requisição que talvez já esteja no buffer.
        if self.switched is None and not self.sides[C2S].broken and direction == S2C:
            events += self._drain(C2S, t)
        return events

    def _other(self, direction: str) -> str:
        return S2C if direction == C2S else C2S

    def _drain(self, direction: str, t: float) -> list[Event]:
        side = self.sides[direction]
        other = self.sides[self._other(direction)]
        out: list[Event] = []
        while True:
            try:
                ev = side.h11.next_event()
            except h11.RemoteProtocolError as exc:
                side.broken = True
                blob = bytes(side.pending)
                side.pending.clear()
                if blob:
                    out.append(Raw(self.conn, direction, side.start or t, blob, note=f"não é HTTP válido: {exc}"))
                return out
            if ev is h11.NEED_DATA or ev is h11.PAUSED:
                return out
            if isinstance(ev, h11.ConnectionClosed):
                return out
            self._mirror(other, ev)
            if isinstance(ev, (h11.Request, h11.Response)):
                side.head, side.body = ev, bytearray()
            elif isinstance(ev, h11.Data):
                if len(side.body) < BODY_LIMIT:
                    side.body += ev.data[: BODY_LIMIT - len(side.body)]
            elif isinstance(ev, (h11.EndOfMessage, h11.InformationalResponse)):
                if isinstance(ev, h11.InformationalResponse):
                    side.head, side.body = ev, bytearray()
                out.append(self._finish(direction, t))
                if isinstance(ev, h11.InformationalResponse) and ev.status_code == 101:
                    out += self._switch(t)
                    return out
                self._next_cycle()

    def _mirror(self, other: _Side, ev) -> None:
        """Repassa o evento à outra máquina de estado (como se ela o tivesse enviado)."""
        if other.broken:
            return
        try:
            other.h11.send(ev)
        except h11.LocalProtocolError as exc:
            log.debug("mirror failed: %s", exc)

    def _finish(self, direction: str, t: float) -> Event:
        side = self.sides[direction]
        leftover = len(side.h11.trailing_data[0])
        used = len(side.pending) - leftover
        raw = bytes(side.pending[:used])
        del side.pending[:used]
        head, body, start = side.head, bytes(side.body), side.start or t
        side.start = t if side.pending else None
        side.head, side.body = None, bytearray()
        common = dict(
            http_version=head.http_version.decode(),
            headers=_headers(head),
            body=body,
            t_end=t,
        )
        if direction == C2S:
            request = HttpRequest(
                self.conn, C2S, start, raw,
                method=head.method.decode(), target=head.target.decode("latin-1"), **common,
            )
            self.unanswered.append(request)
            return request
        final = head.status_code >= 200 or head.status_code == 101  # um 100 Continue não responde
        return HttpResponse(
            self.conn, S2C, start, raw,
            status=head.status_code, reason=head.reason.decode("latin-1"),
            reply_to=self.unanswered.popleft() if final and self.unanswered else None, **common,
        )

    def _next_cycle(self) -> None:
        for side in self.sides.values():
            h = side.h11
            if h.our_state is h11.DONE and h.their_state is h11.DONE:
                h.start_next_cycle()

    def _switch(self, t: float) -> list[Event]:
        """Depois do 101, os bytes que sobraram nos buffers vão para o novo decodificador."""
        factory = self.upgrade_factory or (lambda conn: RawDecoder(conn, "depois do upgrade"))
        self.switched = factory(self.conn)
        out: list[Event] = []
        for direction, side in self.sides.items():
            rest = bytes(side.h11.trailing_data[0])
            side.pending.clear()
            if rest:
                out += self.switched.feed(direction, rest, t)
        return out
