"""O decodificador de frames do tap: pedaços quaisquer entram, um evento por frame sai."""

import asyncio
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from helpers.widgets.diagram import SequenceDiagram
from helpers.traffic.events import C2S, S2C, HttpRequest, HttpResponse, Raw
from helpers.protocols.handshake import SAMPLE_MASK
from helpers.traffic.httpdecode import HttpDecoder
from helpers.core.lifecycle import Registry, WebSocketServer
from helpers.traffic.tap import Tap
from helpers.traffic.wsdecode import WsDecoder, WsFrame, close_meaning
from helpers.protocols.wsframes import Frame, Opcode, encode_frame, fragment

H = bytes.fromhex
HELLO_MASKED = H("81 85 37 fa 21 3d 7f 9f 4d 51 58")


def feed_all(decoder, direction, chunks):
    events = []
    for i, chunk in enumerate(chunks):
        events += decoder.feed(direction, chunk, float(i))
    return events


def test_a_masked_client_frame_is_unmasked_for_display():
    [ev] = WsDecoder(1).feed(C2S, HELLO_MASKED, 0.0)
    assert isinstance(ev, WsFrame)
    assert ev.payload == b"Hello" and ev.mask == SAMPLE_MASK and ev.data == HELLO_MASKED
    assert ev.summary == 'TEXT "Hello" · 11 B'
    assert ev.header_size == 6


def test_a_frame_split_across_chunks_becomes_one_event_at_the_time_it_started():
    decoder = WsDecoder(1)
    events = feed_all(decoder, C2S, [HELLO_MASKED[i : i + 1] for i in range(len(HELLO_MASKED))])
    assert len(events) == 1 and events[0].payload == b"Hello" and events[0].t == 0.0


def test_several_frames_in_one_chunk_become_several_events():
    data = H("81 05 48 65 6c 6c 6f") + H("89 05 48 65 6c 6c 6f") + encode_frame(Frame.close(1000, "tchau"))
    events = WsDecoder(1).feed(S2C, data, 0.0)
    assert [e.summary for e in events] == [
        'TEXT "Hello" · 7 B', 'PING "Hello" · 7 B', 'CLOSE 1000 "tchau" · 9 B']
    assert events[2].close_code == 1000 and close_meaning(1000).startswith("fechamento normal")


def test_fragments_are_followed_and_the_last_one_carries_the_whole_message():
    events = WsDecoder(1).feed(S2C, H("01 03 48 65 6c 80 02 6c 6f"), 0.0)
    assert [e.summary for e in events] == ['TEXT "Hel" (continua) · 5 B', 'CONT fim: "Hello" · 4 B']
    assert events[1].message == b"Hello" and events[1].message_opcode == Opcode.TEXT


def test_a_control_frame_in_the_middle_of_a_fragmented_message_is_fine():
    frames = fragment(Opcode.BINARY, bytes(range(6)), 3)
    data = encode_frame(frames[0]) + encode_frame(Frame.ping(b"?")) + encode_frame(frames[1])
    events = WsDecoder(1).feed(S2C, data, 0.0)
    assert [e.opcode_name for e in events] == ["BINARY", "PING", "CONT"]
    assert events[2].message == bytes(range(6))
    assert events[2].summary == "CONT fim: 00 01 02 03 04 05 · 5 B"


def test_protocol_violations_become_raw_with_the_reason_and_decoding_goes_on():
    decoder = WsDecoder(1)
    unmasked = H("81 02 6f 69")
    bad_utf8 = encode_frame(Frame(Opcode.TEXT, b"\xff", mask=SAMPLE_MASK), check=False)
    events = decoder.feed(C2S, unmasked + bad_utf8 + HELLO_MASKED, 0.0)
    assert [type(e) for e in events] == [Raw, Raw, WsFrame]
    assert "sem máscara" in events[0].note and "UTF-8" in events[1].note
    assert events[0].data == unmasked and events[1].data == bad_utf8
    assert WsDecoder(1).feed(S2C, H("80 01 78"), 0.0)[0].note.startswith("frame de continuação")


def test_a_frame_cut_by_the_end_of_the_connection_becomes_raw():
    decoder = WsDecoder(1)
    assert decoder.feed(S2C, H("81 05 48 65"), 0.0) == []
    [ev] = decoder.feed(S2C, b"", 1.0)
    assert isinstance(ev, Raw) and "incompleto" in ev.note and ev.data == H("81 05 48 65")
    assert decoder.feed(S2C, b"x", 2.0)[0].note == "depois do fim da conexão"


def test_frames_over_the_limit_pass_as_raw_without_being_kept():
    decoder = WsDecoder(1, limit=100)
    data = encode_frame(Frame.binary(bytes(1000))) + H("81 02 6f 69")
    events = feed_all(decoder, S2C, [data[:50], data[50:600], data[600:]])
    assert [type(e) for e in events] == [Raw, WsFrame]
    assert len(events[0].data) == 4 and "1000 bytes" in events[0].note
    assert events[1].payload == b"oi"


def test_compressed_messages_are_inflated_for_display():
    def deflate(data, c):
        out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
        return out[:-4]

    c = zlib.compressobj(wbits=-15)
    first = Frame(Opcode.TEXT, deflate("olá, olá, olá".encode(), c), rsv=0b100)
    second = Frame(Opcode.TEXT, deflate("olá de novo".encode(), c), rsv=0b100)  # usa o contexto
    events = WsDecoder(1).feed(S2C, encode_frame(first, check=False) + encode_frame(second, check=False), 0.0)
    assert [e.content for e in events] == ["olá, olá, olá".encode(), "olá de novo".encode()]
    assert events[0].summary.startswith('TEXT "olá, olá, olá" (comprimido)')
    bad = WsDecoder(1).feed(S2C, encode_frame(Frame(Opcode.PING, b"", rsv=0b100), check=False), 0.0)
    assert isinstance(bad[0], Raw) and "RSV1" in bad[0].note
    off = WsDecoder(1, deflate=False).feed(S2C, encode_frame(first, check=False), 0.0)
    assert isinstance(off[0], Raw) and "RSV1" in off[0].note


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=200), st.lists(st.integers(1, 40), max_size=10), st.sampled_from([C2S, S2C]))
def test_random_bytes_in_random_chunks_never_raise(data, cuts, direction):
    decoder = WsDecoder(1, limit=1000)
    pos, events = 0, []
    for cut in cuts:
        events += decoder.feed(direction, data[pos : pos + cut], 0.0)
        pos += cut
    events += decoder.feed(direction, data[pos:], 0.0)
    events += decoder.feed(direction, b"", 1.0)
    for ev in events:
        assert isinstance(ev, (WsFrame, Raw)) and ev.summary


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=6), st.integers(1, 50))
def test_valid_streams_in_any_chunking_give_one_event_per_frame(payloads, step):
    frames = [Frame.binary(p, mask=SAMPLE_MASK) for p in payloads]
    data = b"".join(encode_frame(f) for f in frames)
    events = feed_all(WsDecoder(1), C2S, [data[i : i + step] for i in range(0, len(data), step)])
    assert [e.payload for e in events] == payloads and b"".join(e.data for e in events) == data


async def test_through_the_tap_the_tunnel_shows_handshake_then_frames_on_the_diagram():
    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    reg = Registry()
    server = await reg.start("ws", WebSocketServer(echo))
    tap = await reg.start("tap", Tap(server.port, decoder=lambda conn: HttpDecoder(conn, upgrade=WsDecoder)))
    diagram = SequenceDiagram(["cliente"]).follow(tap, connections=False)
    try:
        async with asyncio.timeout(5):
            async with connect(f"ws://127.0.0.1:{tap.port}/") as ws:  # com compressão (padrão)
                await ws.send("oi")
                assert await ws.recv() == "oi"
                await ws.send(b"\x00\x01")
                assert await ws.recv() == b"\x00\x01"
                await (await ws.ping(b"?"))
            await tap.idle()
        kinds = [type(e) for e in tap.events]
        assert kinds[1:3] == [HttpRequest, HttpResponse] and Raw not in kinds
        frames = [e for e in tap.events if isinstance(e, WsFrame)]
        assert [(f.direction, f.opcode_name) for f in frames] == [
            (C2S, "TEXT"), (S2C, "TEXT"), (C2S, "BINARY"), (S2C, "BINARY"),
            (C2S, "PING"), (S2C, "PONG"), (C2S, "CLOSE"), (S2C, "CLOSE")]
        assert all(f.masked == (f.direction == C2S) for f in frames)
        assert frames[0].content == b"oi" and frames[0].compressed
        assert diagram.arrows == 10 and 'TEXT "oi"' in diagram.messages[2]["label"]
    finally:
        diagram.unfollow()
        await reg.stop_all()
