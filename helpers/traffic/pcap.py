"""Do tap para o Wireshark: a gravação exportada como arquivo ``.pcap``.

Introduzido no notebook 06 (Uso consciente), na seção de depuração.

O tap vê bytes de aplicação (o que passou em cada direção de cada conexão), não pacotes. Para o
Wireshark abrir, ``write_pcap`` remonta pacotes plausíveis: para cada conexão, o aperto de mão
TCP (SYN, SYN-ACK, ACK), um segmento por pedaço gravado (com números de sequência corretos) e o
FIN no fim. Formato: libpcap clássico (https://wiki.wireshark.org/Development/LibpcapFileFormat),
tipo de enlace ``LINKTYPE_RAW`` (101: pacote IPv4 sem Ethernet), checksums IP e TCP calculados
(RFC 791, RFC 793).

O Wireshark decide que um fluxo TCP é HTTP pela porta; por isso o servidor aparece, por padrão,
na porta 80 (``server_port``). Depois do ``101 Switching Protocols`` ele passa a mostrar frames
WebSocket, descomprimindo permessage-deflate e desmascarando o que o cliente mandou.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

from .events import C2S, Closed, Connected, Event
from .tap import Chunk

__all__ = ["pcap_bytes", "write_pcap"]

LINKTYPE_RAW = 101
CLIENT_IP = bytes([127, 0, 0, 1])
SERVER_IP = bytes([127, 0, 0, 1])
MAX_SEGMENT = 60000  # cabe com folga nos 65 535 bytes de um pacote IPv4

SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _packet(src_port: int, dst_port: int, seq: int, ack: int, flags: int, payload: bytes) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", src_port, dst_port, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0) + payload
    pseudo = CLIENT_IP + SERVER_IP + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     CLIENT_IP, SERVER_IP)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return ip + tcp


def _record(t: float, packet: bytes) -> bytes:
    sec = int(t)
    usec = int(round((t - sec) * 1e6))
    if usec >= 1_000_000:
        sec, usec = sec + 1, usec - 1_000_000
    return struct.pack("<IIII", sec, usec, len(packet), len(packet)) + packet


def pcap_bytes(chunks: Iterable[Chunk], events: Iterable[Event] = (), *, server_port: int = 80,
               epoch: float = 0.0) -> bytes:
    """Os pedaços gravados pelo tap (``tap.chunks``, e ``tap.events`` para aberturas e
    fechamentos) como um arquivo libpcap. ``epoch`` soma-se aos instantes (que são de
    ``time.monotonic``) para virar data e hora."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_RAW)]
    seq: dict[tuple[int, str], int] = {}
    opened: set[int] = set()
    items: list[tuple[float, int, object]] = [(c.t, 1, c) for c in chunks]
    items += [(e.t, 0 if isinstance(e, Connected) else 2, e) for e in events
              if isinstance(e, (Connected, Closed))]
    items.sort(key=lambda x: (x[0], x[1]))

    def ports(conn: int, direction: str) -> tuple[int, int]:
        client = 40000 + conn % 20000
        return (client, server_port) if direction == C2S else (server_port, client)

    def other(direction: str) -> str:
        return "s2c" if direction == C2S else C2S

    def open_conn(conn: int, t: float) -> None:
        opened.add(conn)
        seq[(conn, C2S)], seq[(conn, "s2c")] = 1000, 5000
        c, s = ports(conn, C2S)
        out.append(_record(epoch + t, _packet(c, s, 999, 0, SYN, b"")))
        out.append(_record(epoch + t, _packet(s, c, 4999, 1000, SYN | ACK, b"")))
        out.append(_record(epoch + t, _packet(c, s, 1000, 5000, ACK, b"")))

    for t, kind, item in items:
        conn = item.conn
        if conn not in opened:
            if kind == 2:
                continue
            open_conn(conn, t)
        if kind == 1:
            data = item.data
            for i in range(0, len(data), MAX_SEGMENT):
                part = data[i:i + MAX_SEGMENT]
                key = (conn, item.direction)
                src, dst = ports(conn, item.direction)
                out.append(_record(epoch + t, _packet(src, dst, seq[key], seq[(conn, other(item.direction))],
                                                      PSH | ACK, part)))
                seq[key] += len(part)
        elif kind == 2:
            for direction in (item.direction, other(item.direction)):
                src, dst = ports(conn, direction)
                key = (conn, direction)
                out.append(_record(epoch + t, _packet(src, dst, seq[key], seq[(conn, other(direction))],
                                                      FIN | ACK, b"")))
                seq[key] += 1
    return b"".join(out)


def write_pcap(path: str | Path, tap, *, server_port: int = 80) -> Path:
    """Grava a captura do ``tap`` em ``path`` (abre no Wireshark); devolve o caminho."""
    import time

    path = Path(path)
    path.write_bytes(pcap_bytes(tap.chunks, tap.events, server_port=server_port,
                                epoch=time.time() - time.monotonic()))
    return path
