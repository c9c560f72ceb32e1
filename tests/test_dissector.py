"""O dissecador de frames, sem navegador: campos, bits, tamanhos e o widget."""

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.widgets.dissector import FrameDissector, build_frame, dissect, explain
from helpers.protocols.wsframes import Opcode, decode_frame, encode_frame

H = bytes.fromhex
HELLO_MASKED = H("81 85 37 fa 21 3d 7f 9f 4d 51 58")


def test_each_header_bit_belongs_to_a_named_field():
    d = dissect(HELLO_MASKED)
    assert len(d["bits"]) == 6 * 8
    owners = [b["field"] for b in d["bits"]]
    assert owners[:16] == ["fin", "rsv", "rsv", "rsv", *["opcode"] * 4, "mask", *["len7"] * 7]
    assert owners[16:] == ["key"] * 32
    assert "".join(str(b["bit"]) for b in d["bits"][:16]) == "1000000110000101"
    assert [f["id"] for f in d["fields"]] == ["fin", "rsv", "opcode", "mask", "len7", "key"]


def test_payload_is_shown_as_sent_and_unmasked():
    p = dissect(HELLO_MASKED)["payload"]
    assert p["wire"] == "7f 9f 4d 51 58" and p["plain"] == "48 65 6c 6c 6f" and p["text"] == "Hello"
    assert dissect(HELLO_MASKED)["sizes"] == {"header": 6, "payload": 5, "total": 11}


def test_the_extended_length_appears_at_126_and_at_65536():
    for size, field, header in [(125, None, 2), (126, "len16", 4), (65535, "len16", 4), (65536, "len64", 10)]:
        d = dissect(encode_frame(build_frame("binary", "ab", size=size)))
        ids = [f["id"] for f in d["fields"]]
        assert d["sizes"]["header"] == header
        assert (field in ids) if field else not {"len16", "len64"} & set(ids)


def test_explain_prints_one_line_per_field_and_the_total():
    text = explain(HELLO_MASKED)
    assert "0x1 (TEXT)" in text and "37 fa 21 3d" in text
    assert "payload desmascarado            48 65 6c 6c 6f" in text
    assert text.endswith("cabeçalho 6 B + payload 5 B = 11 B na rede")
    assert explain(encode_frame(build_frame("binary", "x", size=70000))).endswith(
        "cabeçalho 10 B + payload 70.000 B = 70.010 B na rede")


def test_build_frame_reaches_the_exact_payload_size_even_with_accents_and_json():
    for kind in ["text", "binary", "json", "ping", "close"]:
        for size in [0, 1, 20, 126, 1000]:
            frame = build_frame(kind, "olá", size=size)
            assert len(frame.payload) == max(size, {"json": 26, "close": 2}.get(kind, 0)), (kind, size)
            if kind in ("text", "json") and size:
                frame.payload.decode("utf-8")
    assert build_frame("json", 'a"b').payload.decode() == '{"de": "Ana", "texto": "a\\"b"}'


def test_widget_recomputes_on_every_control_and_reports_invalid_frames_in_portuguese():
    w = FrameDissector(message="Hello", masked=True)
    assert w.view["sizes"] == {"header": 6, "payload": 5, "total": 11} and w.view["error"] == ""
    assert w.data == HELLO_MASKED
    w.size = 65536
    assert w.view["sizes"]["header"] == 14
    w.masked, w.size = False, 126
    assert w.view["sizes"]["header"] == 4
    w.kind, w.size = "ping", 200
    assert "125" in w.view["error"]
    w.kind, w.size = "close", -1
    w.close_code = 1005
    assert "1005" in w.view["error"]
    w.kind = "nonsense"  # vindo do navegador: não derruba nada
    assert w.view["error"] == "" and decode_frame(w.data)[0].opcode == Opcode.TEXT


def test_repr_is_stable_for_nbval():
    w = FrameDissector(message="Olá, turma!", masked=True)
    assert repr(w) == "FrameDissector(kind='text', masked=True, header=6 B, payload=12 B)"
    assert "0x" not in w._repr_mimebundle_()[0]["text/plain"]


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=2, max_size=40))
def test_any_complete_frame_can_be_dissected(data):
    try:
        frame, used = decode_frame(data, check=False)
    except ValueError:
        return
    d = dissect(data[:used])
    assert len(d["bits"]) == 8 * d["sizes"]["header"] and d["sizes"]["total"] == used


def test_the_static_svg_follows_the_view_for_the_offline_export():
    w = FrameDissector(message="<b>", masked=True)
    assert w.svg.startswith("<svg") and w.svg.count('font-family="monospace">') >= 48
    assert "cabeçalho 6 B + payload 3 B = 9 B na rede" in w.svg and "<b>" not in w.svg
    w.kind, w.size = "ping", 200
    assert "Frame inválido" in w.svg
