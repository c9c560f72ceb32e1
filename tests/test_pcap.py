"""A exportação .pcap: pacotes bem formados, sequência TCP coerente e, onde houver ``tshark``,
o Wireshark de verdade dissecando HTTP e WebSocket."""

import shutil
import struct
import subprocess

import pytest

from helpers.traffic.events import C2S, S2C, Closed, Connected
from helpers.traffic.pcap import LINKTYPE_RAW, _checksum, pcap_bytes
from helpers.traffic.tap import Chunk
from helpers.protocols.wsframes import Frame, encode_frame

REQUEST = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
RESPONSE = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")


def conversation():
    chunks = [Chunk(1, C2S, 1.0, REQUEST), Chunk(1, S2C, 1.1, RESPONSE),
              Chunk(1, C2S, 1.2, encode_frame(Frame.text("olá", mask=b"\x01\x02\x03\x04"))),
              Chunk(1, S2C, 1.3, encode_frame(Frame.text("olá"))),
              Chunk(1, C2S, 1.4, bytes.fromhex("82 00") + b"\x00" * 0)]
    events = [Connected(1, C2S, 0.9), Closed(1, C2S, 1.5)]
    return chunks, events


def packets(data):
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4 and linktype == LINKTYPE_RAW
    i, out = 24, []
    while i < len(data):
        _, _, incl, orig = struct.unpack("<IIII", data[i:i + 16])
        assert incl == orig
        out.append(data[i + 16:i + 16 + incl])
        i += 16 + incl
    return out


def test_each_connection_starts_with_a_three_way_handshake_and_ends_with_two_fins():
    pkts = packets(pcap_bytes(*conversation()))
    flags = [p[20 + 13] for p in pkts]
    assert flags[:3] == [0x02, 0x12, 0x10]
    assert flags[-2:] == [0x11, 0x11]
    assert len(pkts) == 3 + 5 + 2


def test_ip_and_tcp_checksums_verify():
    for p in packets(pcap_bytes(*conversation())):
        assert _checksum(p[:20]) == 0
        pseudo = p[12:20] + struct.pack("!BBH", 0, 6, len(p) - 20)
        assert _checksum(pseudo + p[20:]) == 0


def test_sequence_numbers_advance_by_the_bytes_sent():
    pkts = packets(pcap_bytes(*conversation()))
    request, frame = pkts[3], pkts[5]
    seq = lambda p: struct.unpack("!I", p[24:28])[0]  # noqa: E731
    assert seq(frame) == seq(request) + len(REQUEST)


def test_big_chunks_are_split_into_segments_that_fit_an_ip_packet():
    chunks = [Chunk(1, C2S, 1.0, b"x" * 150_000)]
    pkts = packets(pcap_bytes(chunks))
    assert all(len(p) <= 65535 for p in pkts)
    assert sum(len(p) - 40 for p in pkts) == 150_000


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Debian: apt install tshark) ausente")
def test_wireshark_dissects_the_export_as_http_and_websocket(tmp_path):
    path = tmp_path / "captura.pcap"
    path.write_bytes(pcap_bytes(*conversation()))
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "_ws.col.Protocol",
                          "-e", "websocket.payload.text"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    protocols = [line.split("\t")[0] for line in lines]
    assert protocols.count("HTTP") == 2
    assert protocols.count("WebSocket") == 3
    assert sum("olá" in line for line in lines) == 2
