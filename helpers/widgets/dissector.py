"""Dissecador de frames: cada bit e cada byte de um frame WebSocket, com nome e significado.

Introduzido no notebook 04. As contas são feitas em Python por funções puras que usam o codec
(``helpers.protocols.wsframes``): ``build_frame`` monta o frame pedido, ``dissect`` separa os campos do
cabeçalho (RFC 6455 §5.2) e ``explain`` escreve a mesma análise como texto. O widget
``FrameDissector`` (anywidget; o JavaScript em ``static/dissector.js`` só desenha e repassa os
controles) junta tudo: digite uma mensagem, escolha o tipo, ligue a máscara, mude o tamanho do
payload e veja o cabeçalho crescer em 126 e em 65 536 bytes.
"""

from __future__ import annotations

import json
import pathlib

import traitlets

from ..protocols.wsframes import (
    Frame,
    FrameError,
    Opcode,
    apply_mask,
    decode_header,
    encode_frame,
)
from .svg import Svg, SvgWidget

__all__ = ["FIELDS", "FrameDissector", "build_frame", "dissect", "dissection_svg", "explain"]

_STATIC = pathlib.Path(__file__).parent.parent / "static"

KINDS = {
    "text": "texto",
    "binary": "binário",
    "json": "JSON",
    "ping": "ping",
    "pong": "pong",
    "close": "close",
}

#: Os campos do cabeçalho, na ordem em que aparecem (RFC 6455 §5.2).
FIELDS = {
    "fin": "FIN",
    "rsv": "RSV1–3",
    "opcode": "opcode",
    "mask": "MASK",
    "len7": "payload len (7 bits)",
    "len16": "comprimento estendido (16 bits)",
    "len64": "comprimento estendido (64 bits)",
    "key": "masking key (32 bits)",
}

PAYLOAD_SHOWN = 48  # bytes de payload mostrados (o resto é resumido)


def _fit_text(text: str, size: int) -> str:
    """Repete ``text`` até ocupar exatamente ``size`` bytes em UTF-8 (completa com pontos)."""
    unit = text or "."
    reps = size // max(1, len(unit.encode("utf-8"))) + 1
    data = (unit * reps).encode("utf-8")[:size]
    fixed = data.decode("utf-8", "ignore")
    return fixed + "." * (size - len(fixed.encode("utf-8")))


def _json_of_size(message: str, size: int | None) -> str:
    def doc(text: str) -> str:
        return json.dumps({"de": "Ana", "texto": text}, ensure_ascii=False)

    if size is None:
        return doc(message)
    base = len(doc("").encode("utf-8"))
    return doc(_fit_text(message.replace('"', "'").replace("\\", "/"), max(0, size - base)))


def build_frame(kind: str = "text", message: str = "Hello", *, masked: bool = False,
                mask_key: bytes = bytes.fromhex("37fa213d"), size: int | None = None,
                close_code: int = 1000) -> Frame:
    """O frame que o dissecador mostra: tipo, mensagem, máscara e (opcional) tamanho do payload.

    Com ``size``, a mensagem é repetida (ou cortada) até o payload ter ``size`` bytes.
    """
    mask = bytes(mask_key) if masked else None
    if kind == "json":
        return Frame(Opcode.TEXT, _json_of_size(message, size).encode("utf-8"), mask=mask)
    if kind == "close":
        reason = message if size is None else _fit_text(message, max(0, size - 2))
        return Frame(Opcode.CLOSE, close_code.to_bytes(2, "big") + reason.encode("utf-8"), mask=mask)
    opcode = {"text": Opcode.TEXT, "binary": Opcode.BINARY, "ping": Opcode.PING,
              "pong": Opcode.PONG}[kind]
    text = message if size is None else _fit_text(message, size)
    return Frame(opcode, text.encode("utf-8"), mask=mask)


_OPCODE_MEANING = {
    0x0: "continuação de uma mensagem fragmentada",
    0x1: "mensagem de texto (UTF-8)",
    0x2: "mensagem binária",
    0x8: "fechamento da conexão",
    0x9: "ping: \u201cvocê está aí?\u201d",
    0xA: "pong: \u201cestou aqui\u201d",
}


def dissect(data: bytes) -> dict:
    """Os campos de um frame (bytes da rede), prontos para desenhar ou imprimir.

    Devolve ``bits`` (um por bit do cabeçalho: valor e campo), ``fields`` (nome, bits, valor,
    significado), ``payload`` (primeiros bytes como vão na rede e desmascarados) e ``sizes``.
    Não valida nada além do formato: um frame inválido também é dissecado.
    """
    head = decode_header(data, check=False)
    header = data[: head.size]
    ext = {2: None, 4: "len16", 10: "len64"}
    ext_field = ext.get(head.size - (4 if head.mask else 0))
    owners = ["fin", "rsv", "rsv", "rsv", "opcode", "opcode", "opcode", "opcode",
              "mask", *["len7"] * 7]
    owners += [ext_field] * (8 * (head.size - 2 - (4 if head.mask else 0)))
    owners += ["key"] * (32 if head.mask else 0)
    bits = [{"bit": (byte >> (7 - i)) & 1, "field": owners[n * 8 + i]}
            for n, byte in enumerate(header) for i in range(8)]

    def bitstr(field: str) -> str:
        return "".join(str(b["bit"]) for b in bits if b["field"] == field)

    try:
        opname = Opcode(head.opcode).name
    except ValueError:
        opname = "reservado"
    len7 = data[1] & 0x7F
    fields = [
        {"id": "fin", "name": FIELDS["fin"], "bits": bitstr("fin"), "value": str(int(head.fin)),
         "meaning": "último (ou único) frame da mensagem" if head.fin else "a mensagem continua no próximo frame"},
        {"id": "rsv", "name": FIELDS["rsv"], "bits": bitstr("rsv"), "value": bitstr("rsv"),
         "meaning": "reservados para extensões; 000 sem extensão negociada" if not head.rsv
         else "ligado: só vale com uma extensão negociada (ex.: RSV1 = compressão)"},
        {"id": "opcode", "name": FIELDS["opcode"], "bits": bitstr("opcode"),
         "value": f"0x{head.opcode:X} ({opname})",
         "meaning": _OPCODE_MEANING.get(head.opcode, "opcode reservado: inválido")},
        {"id": "mask", "name": FIELDS["mask"], "bits": bitstr("mask"), "value": str(int(bool(head.mask))),
         "meaning": "payload mascarado (obrigatório do cliente para o servidor)" if head.mask
         else "sem máscara (frames do servidor para o cliente)"},
        {"id": "len7", "name": FIELDS["len7"], "bits": bitstr("len7"), "value": str(len7),
         "meaning": {126: "126: o comprimento real vem nos 16 bits seguintes",
                     127: "127: o comprimento real vem nos 64 bits seguintes"}.get(
                         len7, f"o payload tem {len7} bytes (cabe em 7 bits: 0 a 125)")},
    ]
    if ext_field:
        fields.append({"id": ext_field, "name": FIELDS[ext_field], "bits": bitstr(ext_field),
                       "value": f"{head.length:_}".replace("_", "."),
                       "meaning": f"o payload tem {head.length:_} bytes".replace("_", ".")})
    if head.mask:
        fields.append({"id": "key", "name": FIELDS["key"], "bits": bitstr("key"),
                       "value": head.mask.hex(" "),
                       "meaning": "cada byte do payload sofre XOR com chave[i % 4]"})
    wire = bytes(data[head.size : head.size + PAYLOAD_SHOWN])
    plain = apply_mask(wire, head.mask) if head.mask else wire
    available = len(data) - head.size
    return {
        "bits": bits,
        "fields": fields,
        "header_hex": header.hex(" "),
        "payload": {
            "wire": wire.hex(" "),
            "plain": plain.hex(" "),
            "text": plain.decode("utf-8", "replace"),
            "shown": len(wire),
            "total": head.length,
            "missing": max(0, head.length - available),
        },
        "sizes": {"header": head.size, "payload": head.length, "total": head.frame_size},
    }


def explain(data: bytes) -> str:
    """A dissecação de um frame como texto, campo por campo (para imprimir no notebook)."""
    d = dissect(data)
    lines = [f"{'campo':<32}{'bits':<20}{'valor':<16}significado"]
    for f in d["fields"]:
        bits = f["bits"] if len(f["bits"]) <= 16 else f["bits"][:15] + "…"
        lines.append(f"{f['name']:<32}{bits:<20}{f['value']:<16}{f['meaning']}")
    p, s = d["payload"], d["sizes"]
    if p["shown"]:
        cut = 16 * 3 - 1  # 16 bytes em hex
        more = " …" if p["total"] > 16 else ""
        lines.append(f"{'payload na rede':<32}{p['wire'][:cut]}{more}")
        if p["wire"] != p["plain"]:
            lines.append(f"{'payload desmascarado':<32}{p['plain'][:cut]}{more}")
    lines.append(f"cabeçalho {s['header']} B + payload {s['payload']:_} B = {s['total']:_} B na rede"
                 .replace("_", "."))
    return "\n".join(lines)


_COLORS = {"fin": "#f9d5d3", "rsv": "#e5e5e5", "opcode": "#fde8b8", "mask": "#d4ecd4",
           "len7": "#cfe2f7", "len16": "#b6d3f2", "len64": "#b6d3f2", "key": "#e6d6f2"}
_SHORT = {"fin": "FIN", "rsv": "RSV", "opcode": "opcode", "mask": "MASK", "len7": "len",
          "len16": "len 16", "len64": "len 64", "key": "chave"}


def dissection_svg(view: dict, title: str = "") -> str:
    """A dissecação como SVG (grade de bits + legenda). Função pura: mesmo ``view``, mesmo texto.

    É o desenho que a exportação estática (``helpers.tools.export``, sem kernel e sem JavaScript)
    mostra no lugar do widget. Cada grupo de bits leva o nome do campo embaixo: a cor ajuda, mas
    não é a única pista.
    """
    cell, width = 20, 32 * 20 + 20
    bits, fields = view.get("bits", []), view.get("fields", [])
    rows = (len(bits) + 31) // 32
    sizes = view.get("sizes", {})
    top = 40 if title else 22
    legend_top = top + rows * 2 * cell + 16
    height = legend_top + 18 * len(fields) + (24 if view.get("error") else 8)
    svg = Svg(width, height, label=title or "dissecação de um frame WebSocket",
              class_="curso-dissector", font="sans-serif", font_size=12)
    if title:
        svg.text(4, 16, title, font_weight="bold")
    svg.text(4, top - 6, f"cabeçalho {sizes.get('header')} B + payload {sizes.get('payload', 0):_} B "
             f"= {sizes.get('total', 0):_} B na rede".replace("_", "."))
    for i, b in enumerate(bits):
        row, col = divmod(i, 32)
        x, y = 4 + col * cell, top + row * 2 * cell
        svg.rect(x, y, cell - 1, cell - 1, fill=_COLORS.get(b["field"], "#fff"))
        svg.text(x + cell / 2 - 0.5, y + 14, b["bit"], text_anchor="middle", font_family="monospace")
    i = 0
    while i < len(bits):  # nomes dos campos sob cada grupo de bits (sem passar da linha)
        j = i
        while j < len(bits) and bits[j]["field"] == bits[i]["field"] and (j == i or j % 32):
            j += 1
        row, col = divmod(i, 32)
        svg.text(round(4 + col * cell + (j - i) * cell / 2), top + row * 2 * cell + cell + 13,
                 _SHORT.get(bits[i]["field"], ""), text_anchor="middle", font_size=10, fill="#333")
        i = j
    for n, f in enumerate(fields):
        y = legend_top + 18 * n
        svg.rect(4, y - 11, 10, 12, fill=_COLORS.get(f["id"], "#fff"))
        svg.text(20, y, f"{f['name']}: ", spans=Svg.tspan(f["value"], font_family="monospace")
                 + Svg.tspan(f" · {f['meaning']}"))
    if view.get("error"):
        svg.text(4, height - 8, f"✘ Frame inválido: {view['error']}", fill="#b03a2e",
                 font_weight="bold")
    return svg.render()


class FrameDissector(SvgWidget):
    """Widget: monte um frame e veja seus bits e bytes anotados.

    >>> FrameDissector(message="Hello", masked=True)
    """

    _esm = _STATIC / "dissector.js"  # controles próprios; o SVG serve à exportação estática
    _css = _STATIC / "dissector.css"
    _redraw_on = ("kind", "message", "masked", "size", "mask_key", "close_code")

    kind = traitlets.Unicode("text").tag(sync=True)
    message = traitlets.Unicode("Hello").tag(sync=True)
    masked = traitlets.Bool(False).tag(sync=True)
    size = traitlets.Int(-1).tag(sync=True)  # -1: o tamanho da própria mensagem
    mask_key = traitlets.Unicode("37fa213d").tag(sync=True)
    close_code = traitlets.Int(1000).tag(sync=True)
    kinds = traitlets.Dict(KINDS).tag(sync=True)
    view = traitlets.Dict().tag(sync=True)

    MAX_SIZE = 1 << 20

    @property
    def frame(self) -> Frame:
        try:
            key = bytes.fromhex(self.mask_key)
        except ValueError:
            key = b""
        if len(key) != 4:
            key = bytes.fromhex("37fa213d")
        size = None if self.size < 0 else min(self.size, self.MAX_SIZE)
        kind = self.kind if self.kind in KINDS else "text"
        return build_frame(kind, self.message, masked=self.masked, mask_key=key, size=size,
                           close_code=self.close_code)

    @property
    def data(self) -> bytes:
        """Os bytes do frame na rede (mesmo se inválido)."""
        return encode_frame(self.frame, check=False)

    def draw(self) -> str:
        """Recalcula a dissecação (``view``, o que o JavaScript desenha) e devolve o SVG estático."""
        frame = self.frame
        error = ""
        try:
            frame.check()
        except FrameError as exc:
            error = str(exc)
        view = dissect(encode_frame(frame, check=False))
        view["error"] = error
        view["natural_size"] = len(build_frame(self.kind if self.kind in KINDS else "text",
                                               self.message, close_code=self.close_code).payload)
        self.view = view
        return dissection_svg(view)

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        s = self.view.get("sizes", {})
        return (f"FrameDissector(kind={self.kind!r}, masked={self.masked}, "
                f"header={s.get('header')} B, payload={s.get('payload')} B)")
