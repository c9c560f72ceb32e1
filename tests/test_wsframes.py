"""O codec de frames do curso: exemplos da RFC 6455, erros claros, fuzz e a biblioteca websockets."""

import asyncio
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ProtocolError
from websockets.frames import Frame as WsLibFrame
from websockets.frames import Opcode as WsLibOpcode
from websockets.streams import StreamReader
from websockets.utils import accept_key as lib_accept_key

from helpers.protocols.handshake import SAMPLE_KEY, SAMPLE_MASK, RawWebSocket, accept_key
from helpers.protocols.wsframes import (
    CLOSE_CODES,
    CloseFrameError,
    ControlFrameError,
    FragmentationError,
    Frame,
    FrameError,
    IncompleteFrame,
    InvalidUtf8,
    LengthError,
    MaskError,
    MessageAssembler,
    MessageTooBig,
    Opcode,
    ReservedBitsError,
    UnknownOpcode,
    apply_mask,
    close_payload,
    decode_frame,
    decode_frames,
    decode_header,
    encode_frame,
    encode_length,
    fragment,
    parse_close,
)

H = bytes.fromhex

# RFC 6455 §5.7, como dados: (bytes, frame esperado)
RFC_EXAMPLES = [
    ("81 05 48 65 6c 6c 6f", Frame(Opcode.TEXT, b"Hello")),
    ("81 85 37 fa 21 3d 7f 9f 4d 51 58", Frame(Opcode.TEXT, b"Hello", mask=H("37fa213d"))),
    ("01 03 48 65 6c", Frame(Opcode.TEXT, b"Hel", fin=False)),
    ("80 02 6c 6f", Frame(Opcode.CONT, b"lo")),
    ("89 05 48 65 6c 6c 6f", Frame(Opcode.PING, b"Hello")),
    ("8a 85 37 fa 21 3d 7f 9f 4d 51 58", Frame(Opcode.PONG, b"Hello", mask=H("37fa213d"))),
]


@pytest.mark.parametrize("hexbytes, frame", RFC_EXAMPLES)
def test_rfc_6455_section_5_7_examples_decode_and_encode_exactly(hexbytes, frame):
    data = H(hexbytes)
    decoded, used = decode_frame(data)
    assert decoded == frame and used == len(data)
    assert encode_frame(frame) == data


def test_rfc_fragmented_hello_is_one_message_in_two_frames():
    frames = decode_frames(H("01 03 48 65 6c 80 02 6c 6f"))
    assert frames == fragment(Opcode.TEXT, b"Hello", 3)
    assembler = MessageAssembler()
    assert assembler.feed(frames[0]) is None
    message = assembler.feed(frames[1])
    assert message.text == "Hello" and message.frames == 2


def test_rfc_256_byte_and_64_kib_binary_headers():
    assert encode_frame(Frame.binary(bytes(256)))[:4] == H("82 7E 0100")
    assert encode_frame(Frame.binary(bytes(65536)))[:10] == H("82 7F 0000000000010000")


@pytest.mark.parametrize("n, expected", [
    (0, "00"), (5, "05"), (125, "7d"), (126, "7e 007e"), (65535, "7e ffff"),
    (65536, "7f 0000000000010000"), (2**63 - 1, "7f 7fffffffffffffff"),
])
def test_length_uses_7_then_16_then_64_bits(n, expected):
    assert encode_length(n) == H(expected)


def test_header_grows_from_2_to_14_bytes():
    sizes = {(n, m): Frame.binary(bytes(n), mask=SAMPLE_MASK if m else None).header_size
             for n in (125, 126, 65535, 65536) for m in (False, True)}
    assert sizes == {(125, False): 2, (125, True): 6, (126, False): 4, (126, True): 8,
                     (65535, False): 4, (65535, True): 8, (65536, False): 10, (65536, True): 14}


def test_mask_is_xor_with_the_key_in_rotation_and_undoes_itself():
    plain = "Olá, mundo!".encode()
    masked = apply_mask(plain, SAMPLE_MASK)
    assert masked == bytes(b ^ SAMPLE_MASK[i % 4] for i, b in enumerate(plain))
    assert apply_mask(masked, SAMPLE_MASK) == plain
    assert apply_mask(b"", SAMPLE_MASK) == b""


def test_accept_key_matches_rfc_vector_and_the_library():
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    for _ in range(5):
        key = secrets.token_urlsafe(16)
        assert accept_key(key) == lib_accept_key(key)


def test_close_payload_carries_code_and_utf8_reason():
    assert close_payload(1000, "tchau") == H("03e8") + b"tchau"
    assert parse_close(H("03e8") + "até".encode()) == (1000, "até")
    assert parse_close(b"") == (None, "")
    frame = Frame.close(1001, "indo embora")
    assert (frame.close_code, frame.close_reason) == (1001, "indo embora")
    assert set(CLOSE_CODES) >= {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011}


# --- entrada malformada: uma exceção com nome e mensagem em português ---------------------------

BAD = [
    ("c1 02 6f 69", {}, ReservedBitsError, "RSV1"),
    ("83 00", {}, UnknownOpcode, "0x3"),
    ("81 02 6f 69", {"from_client": True}, MaskError, "sem máscara"),
    ("81 82 00 00 00 00 6f 69", {"from_client": False}, MaskError, "com máscara"),
    ("89 7e 00 7e" + " 00" * 126, {}, ControlFrameError, "125"),
    ("09 00", {}, ControlFrameError, "fragmentado"),
    ("81 02 ff fe", {}, InvalidUtf8, "UTF-8"),
    ("88 01 03", {}, CloseFrameError, "1 byte"),
    ("88 02 03 ed", {}, CloseFrameError, "1005"),
    ("88 02 03 e7", {}, CloseFrameError, "999"),
    ("88 04 03 e8 ff ff", {}, InvalidUtf8, "motivo"),
    ("82 7e 00 05 01 02 03 04 05", {}, LengthError, "mínima"),
    ("82 7f 80 00 00 00 00 00 00 00", {}, LengthError, "bit mais alto"),
    ("82 05 01 02", {}, IncompleteFrame, "faltam"),
    ("82 0a" + " 00" * 10, {"max_size": 4}, MessageTooBig, "limite"),
]


@pytest.mark.parametrize("hexbytes, kwargs, error, words", BAD)
def test_malformed_frames_raise_a_named_error_in_portuguese(hexbytes, kwargs, error, words):
    with pytest.raises(error, match=words) as info:
        decode_frame(H(hexbytes), **kwargs)
    assert isinstance(info.value, FrameError) and isinstance(info.value, ValueError)


def test_errors_carry_the_close_code_the_receiver_should_send():
    assert ReservedBitsError().close_code == 1002
    assert InvalidUtf8().close_code == 1007
    assert MessageTooBig().close_code == 1009


def test_rules_are_checked_as_soon_as_their_bytes_arrive():
    with pytest.raises(ReservedBitsError):
        decode_header(H("f1"))  # um byte basta
    with pytest.raises(MaskError):
        decode_header(H("81 7e"), from_client=True)  # sem esperar o comprimento estendido
    with pytest.raises(IncompleteFrame) as info:
        decode_header(H("81 fe 01"))
    assert info.value.needed == 1


def test_truncated_frames_say_how_many_bytes_are_missing():
    data = encode_frame(Frame.text("Hello", mask=SAMPLE_MASK))
    for cut in range(len(data)):
        with pytest.raises(IncompleteFrame):
            decode_frame(data[:cut])


def test_encoding_checks_the_same_rules_unless_asked_not_to():
    with pytest.raises(ControlFrameError):
        encode_frame(Frame.ping(bytes(126)))
    with pytest.raises(ControlFrameError):
        encode_frame(Frame(Opcode.PING, b"", fin=False))
    with pytest.raises(InvalidUtf8):
        encode_frame(Frame(Opcode.TEXT, b"\xff"))
    with pytest.raises(CloseFrameError):
        Frame.close(1006)
    assert encode_frame(Frame(Opcode.TEXT, b"x", rsv=0b100), check=False) == H("c1 01 78")


def test_assembler_enforces_the_fragmentation_rules():
    a = MessageAssembler()
    with pytest.raises(FragmentationError, match="CONT"):
        a.feed(Frame(Opcode.CONT, b"x"))
    a.feed(Frame(Opcode.TEXT, b"a", fin=False))
    assert a.feed(Frame.ping(b"?")).opcode == Opcode.PING  # controle no meio pode
    with pytest.raises(FragmentationError, match="FIN"):
        a.feed(Frame(Opcode.TEXT, b"b"))
    a = MessageAssembler()
    a.feed(Frame(Opcode.TEXT, "é".encode()[:1], fin=False))  # caractere partido entre frames
    assert a.feed(Frame(Opcode.CONT, "é".encode()[1:])).text == "é"
    a.feed(Frame(Opcode.TEXT, b"\xc3", fin=False))
    with pytest.raises(InvalidUtf8):
        a.feed(Frame(Opcode.CONT, b"("))
    with pytest.raises(MessageTooBig):
        MessageAssembler(max_size=3).feed(Frame.binary(b"1234"))


# --- propriedades (hypothesis) ------------------------------------------------------------------

keys = st.one_of(st.none(), st.binary(min_size=4, max_size=4))
data_frames = st.builds(
    Frame,
    opcode=st.sampled_from([Opcode.BINARY, Opcode.CONT]),
    payload=st.binary(max_size=300)
    | st.builds(lambda n, b: bytes([b]) * n, st.integers(65530, 65540), st.integers(0, 255)),
    fin=st.booleans(),
    mask=keys,
)
text_frames = st.builds(lambda t, m: Frame.text(t, mask=m), st.text(max_size=200), keys)
control_frames = st.builds(
    Frame, opcode=st.sampled_from([Opcode.PING, Opcode.PONG]), payload=st.binary(max_size=125),
    mask=keys,
)
close_frames = st.builds(
    lambda code, reason, m: Frame.close(code, reason, mask=m),
    st.sampled_from([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 3000, 4999]),
    st.text(max_size=30).filter(lambda r: len(r.encode()) <= 123), keys,
)
any_frame = st.one_of(data_frames, text_frames, control_frames, close_frames)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_frame)
def test_encode_then_decode_gives_the_same_frame(frame):
    data = encode_frame(frame)
    decoded, used = decode_frame(data, from_client=frame.masked)
    assert decoded == frame and used == len(data) == frame.size


@settings(max_examples=200, deadline=None)
@given(st.lists(any_frame, max_size=5), st.binary(max_size=3))
def test_several_frames_back_to_back_decode_one_after_another(frames, tail):
    data = b"".join(encode_frame(f) for f in frames)
    assert decode_frames(data) == frames
    if tail:
        with pytest.raises(FrameError):
            decode_frames(data + tail)


# 2.000 exemplos (~1,5 s): 10.000 custavam 8 s de CPU a cada testar sem achar nada a mais; os
# testes acima já cobrem os frames bem formados, campo a campo.
@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=64), st.sampled_from([None, True, False]))
def test_random_bytes_never_crash_or_hang_the_decoder(data, from_client):
    try:
        frames = decode_frames(data, from_client=from_client, max_size=1 << 20)
    except FrameError as exc:
        assert str(exc)  # sempre há uma mensagem
    else:
        assert b"".join(encode_frame(f, check=False) for f in frames) == data


# --- a biblioteca websockets concorda ----------------------------------------------------------

def _lib_parse(data: bytes, mask: bool) -> WsLibFrame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = WsLibFrame.parse(reader.read_exact, mask=mask)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("websockets wanted more data")


@settings(max_examples=200, deadline=None)
@given(any_frame)
def test_websockets_parses_our_frames_as_we_meant(frame):
    lib = _lib_parse(encode_frame(frame), mask=frame.masked)
    assert (int(lib.opcode), bytes(lib.data), lib.fin) == (frame.opcode, frame.payload, frame.fin)


@settings(max_examples=200, deadline=None)
@given(any_frame, st.booleans())
def test_we_decode_what_websockets_serializes(frame, mask):
    lib = WsLibFrame(WsLibOpcode(frame.opcode), frame.payload, fin=frame.fin)
    decoded, _ = decode_frame(lib.serialize(mask=mask), from_client=mask)
    assert (decoded.opcode, decoded.payload, decoded.fin, decoded.masked) == (
        frame.opcode, frame.payload, frame.fin, mask)


@pytest.mark.parametrize("hexbytes, mask", [
    ("c1 02 6f 69", False),  # RSV1
    ("83 00", False),  # opcode reservado
    ("81 02 6f 69", True),  # cliente sem máscara
    ("81 82 00 00 00 00 6f 69", False),  # servidor com máscara
    ("89 7e 00 7e" + " 00" * 126, False),  # controle longo
    ("09 00", False),  # controle fragmentado
    ("81 02 ff fe", False),  # texto que não é UTF-8
])
def test_websockets_also_rejects_what_we_reject(hexbytes, mask):
    data = H(hexbytes)
    with pytest.raises(FrameError):
        decode_frame(data, from_client=mask)
    with pytest.raises((ProtocolError, UnicodeDecodeError)):
        frame = _lib_parse(data, mask=mask)
        if frame.opcode == WsLibOpcode.TEXT:
            bytes(frame.data).decode()


# --- interoperabilidade de verdade, no loopback ---------------------------------------------------

async def _echo(ws):
    async for message in ws:
        await ws.send(message)


async def test_our_frames_are_understood_by_a_websockets_server_and_its_frames_by_us():
    async with serve(_echo, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with asyncio.timeout(5):
            ws = await RawWebSocket.connect(port, key=SAMPLE_KEY)
            assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in ws.response
            await ws.send(Frame.text("Olá, servidor!", mask=SAMPLE_MASK))
            raw = await ws.recv_raw()
            assert raw == H("81 0f") + "Olá, servidor!".encode()
            for frame in fragment(Opcode.BINARY, bytes(range(10)), 4, mask=SAMPLE_MASK):
                await ws.send(frame)
            echoed = await ws.recv()
            assert (echoed.opcode, echoed.payload) == (Opcode.BINARY, bytes(range(10)))
            await ws.send(Frame.ping(b"oi?", mask=SAMPLE_MASK))
            assert await ws.recv() == Frame.pong(b"oi?")
            big = bytes(70_000)
            await ws.send(Frame.binary(big, mask=SAMPLE_MASK))
            assert (await ws.recv()).payload == big
            answer = await ws.close(1000, "tchau")
            assert (answer.close_code, answer.close_reason) == (1000, "tchau")


async def test_a_websockets_server_rejects_our_invalid_frames_with_the_right_code():
    async def tolerant(ws):
        try:
            await _echo(ws)
        except Exception:
            pass

    cases = [
        (Frame.text("oi"), 1002),  # sem máscara
        (Frame(Opcode.TEXT, b"\xff", mask=SAMPLE_MASK), 1007),
        (Frame(Opcode.TEXT, b"x", rsv=0b100, mask=SAMPLE_MASK), 1002),
        (Frame.text("x" * 100, mask=SAMPLE_MASK), 1009),
    ]
    async with serve(tolerant, "127.0.0.1", 0, compression=None, max_size=64) as server:
        port = server.sockets[0].getsockname()[1]
        async with asyncio.timeout(5):
            for frame, code in cases:
                ws = await RawWebSocket.connect(port)
                await ws.send(frame, check=False)
                answer = await ws.recv()
                assert answer.close_code == code
                await ws.reply_close(answer)


async def test_the_websockets_client_understands_frames_written_by_a_raw_server():
    async def raw_server(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        key = next(line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
                   if line.lower().startswith(b"sec-websocket-key"))
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept_key(key).encode()
                     + b"\r\n\r\n")
        writer.write(H("01 03 48 65 6c 80 02 6c 6f"))  # o "Hello" fragmentado da RFC
        writer.write(encode_frame(Frame.close(1000, "fim")))
        await writer.drain()
        try:
            await asyncio.wait_for(reader.read(100), 2)
        finally:
            writer.close()

    server = await asyncio.start_server(raw_server, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with asyncio.timeout(5):
            async with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
                assert await ws.recv() == "Hello"
                await ws.wait_closed()
                assert ws.close_code == 1000 and ws.close_reason == "fim"
    finally:
        server.close()
        await server.wait_closed()
