"""Compressão que cabe na memória: permessage-deflate (RFC 7692) medido, janela × memLevel.

Introduzido no notebook 06 (Uso consciente), seção 1. Também alimenta o benchmark
(``helpers.tools.bench.rows_compression``).

Teoria de operação
------------------
Com *context takeover* (o padrão), cada conexão guarda, mesmo parada, um compressor zlib (para o
que o servidor manda) e um descompressor (para o que o cliente manda). O zlib diz quanto cada um
ocupa (``zconf.h``):

* deflate: ``(1 << (windowBits + 2)) + (1 << (memLevel + 9))`` bytes, mais ≈ 6 KiB de estrutura;
* inflate: ``1 << windowBits`` bytes de janela, mais ≈ 7 KiB de estrutura.

O padrão do ``websockets`` (``server_max_window_bits=12``, ``client_max_window_bits=12``,
``memLevel=5``) dá 16 KiB + 16 KiB + 4 KiB + ≈ 13 KiB ≈ 49 KiB por conexão, que somados aos
≈ 14 KiB de uma conexão sem compressão são os ≈ 64 KiB da documentação. O zlib puro
(janela 15, memLevel 8) passaria de 300 KiB.

``measure(window_bits, mem_level)`` mede as duas coisas sem rede nenhuma: abre ``connections``
pares cliente/servidor com os protocolos *Sans-I/O* do ``websockets`` (``ServerProtocol``,
``ClientProtocol``), faz o handshake e uma troca de mensagens em memória, solta os clientes e
conta, com ``tracemalloc`` (que enxerga as alocações do zlib), quanto cada servidor guarda a mais
que o mesmo servidor sem compressão. (É o que o zlib *reserva*; o RSS pode ficar abaixo disso
enquanto páginas reservadas não são tocadas.) A taxa de compressão vem de ``CHAT_MESSAGES``, uma
conversa no formato do chat do capítulo 05 (``helpers.chat.protocol``), mandada pelo servidor na
mesma conexão: bytes na rede com compressão ÷ sem compressão (menor é melhor).

``DEFAULT`` é a escolha do curso para os servidores que ele sobe: ``helpers.core.deflate``
(``DEFLATE_SETTINGS``), que ``tests/test_compression.py`` confere ser igual a ``settings(*DEFAULT)``.
Sem *context takeover* dos dois lados, nada do zlib fica guardado entre mensagens. O zlib só
aloca a janela do descompressor na primeira mensagem que descomprime; por isso ``measure`` troca uma
mensagem em cada sentido antes de contar (a conta de uma conexão que nunca falou fica no benchmark,
medida por RSS num servidor de verdade).
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass

__all__ = [
    "CHAT_MESSAGES",
    "DEFAULT",
    "PROXIED",
    "WEBSOCKETS_DEFAULT",
    "CompressionRow",
    "DATA_FILE",
    "best",
    "from_json",
    "grid",
    "measure",
    "server_extensions",
    "settings",
    "table",
    "to_json",
    "zlib_estimate",
]

WEBSOCKETS_DEFAULT = (12, 5, True)  # (janela, memLevel, takeover) do ServerPerMessageDeflateFactory padrão
# A escolha do curso (janela, memLevel, takeover no servidor, takeover no cliente): nem o compressor
# do servidor nem o descompressor do que o cliente manda ficam guardados entre mensagens. As
# mensagens pequenas quase não encolhem, as páginas de histórico encolhem ≈ 80 %. Ver o notebook 06.
# Quem chega pelo jupyter-server-proxy (o cliente do tornado ignora client_no_context_takeover)
# fica com o descompressor: PROXIED (helpers.core.deflate.keep_client_context_behind_proxy).
DEFAULT = (12, 5, False, False)
PROXIED = (12, 5, False, True)

_NICKS = ["Ana", "Bruno", "Carla", "Davi", "Elis", "Fábio"]
# Frases montadas de pedaços (sorteio com semente fixa): os textos não se repetem, mas as chaves do
# JSON, os apelidos e as palavras comuns se repetem, como numa conversa de verdade.
_OPENINGS = ["Oi, pessoal!", "Alguém sabe", "Aqui", "Consegui:", "Dúvida rápida:", "Valeu!", "Boa,",
             "Hmm,", "Olha só:", "Pergunta:"]
_SUBJECTS = ["o servidor", "o cliente", "o ping", "a página", "o tap", "o notebook", "o handshake",
             "o frame", "a conexão", "o histórico"]
_VERBS = ["caiu", "voltou", "demorou", "respondeu", "fechou com 1008", "mandou o pong", "travou",
          "reconectou", "abriu", "mostrou o erro"]
_TAILS = ["depois do deploy", "na porta 8765", "no capítulo 05", "quando eu mudei o Origin",
          "com o Wi-Fi ruim", "sem compressão", "pelo JupyterHub", "no meu laptop", "às 15h",
          "e eu não entendi por quê"]


def _chat_messages(n: int = 60) -> list[str]:
    import random

    from ..chat.protocol import encode, message_event

    rng = random.Random(6)
    out = []
    for i in range(n):
        text = " ".join(rng.choice(part) for part in (_OPENINGS, _SUBJECTS, _VERBS, _TAILS))
        out.append(encode(message_event({"id": 1000 + i, "ts": f"2026-03-14T15:{i // 60:02d}:{i % 60:02d}.000Z",
                                         "nick": _NICKS[i % len(_NICKS)], "text": text})))
    return out


CHAT_MESSAGES: list[str] = _chat_messages()


@dataclass(frozen=True)
class CompressionRow:
    """Uma célula da tabela: memória extra por conexão parada e taxas de compressão."""

    window_bits: int
    mem_level: int
    takeover: bool  # False: server_no_context_takeover (o compressor não fica guardado entre mensagens)
    kib_per_connection: float  # medido (tracemalloc): a mais que a mesma conexão sem compressão
    estimate_kib: float  # a conta do zlib (zlib_estimate), sem as estruturas fixas
    ratio: float  # mensagens do chat: bytes na rede com compressão ÷ sem (menor é melhor)
    history_ratio: float  # o mesmo, para uma página de histórico (50 mensagens num frame)
    client_takeover: bool = True  # False: client_no_context_takeover (nem o descompressor fica)

    @property
    def saved(self) -> float:
        """Fração dos bytes economizada nas mensagens do chat (0,6 = 60 % a menos na rede)."""
        return 1 - self.ratio


def zlib_estimate(window_bits: int, mem_level: int, takeover: bool = True, client_takeover: bool = True) -> int:
    """Bytes que o zlib reserva por conexão parada: deflate (janela + hash) + inflate (janela).

    Fórmulas do ``zconf.h`` do zlib; não inclui as estruturas fixas (≈ 6 KiB + 7 KiB). Sem
    *context takeover* no servidor, o compressor não fica guardado: sobra o descompressor; sem
    ele no cliente também, não sobra nada.
    """
    inflate = 1 << window_bits if client_takeover else 0
    if not takeover:
        return inflate
    deflate = (1 << (window_bits + 2)) + (1 << (mem_level + 9))
    return deflate + inflate


def settings(window_bits: int, mem_level: int, takeover: bool, client_takeover: bool = True) -> dict:
    """Os argumentos de ``ServerPerMessageDeflateFactory`` para uma linha da tabela (o
    ``DEFLATE_SETTINGS`` de ``helpers.core.deflate`` é ``settings(*DEFAULT)``)."""
    return {"server_no_context_takeover": not takeover, "client_no_context_takeover": not client_takeover,
            "server_max_window_bits": window_bits, "client_max_window_bits": window_bits,
            "compress_settings": {"memLevel": mem_level}}


def _factory(window_bits: int, mem_level: int, takeover: bool, client_takeover: bool = True):
    from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

    return ServerPerMessageDeflateFactory(**settings(window_bits, mem_level, takeover, client_takeover))


def server_extensions(window_bits: int | None = None, mem_level: int | None = None,
                      takeover: bool | None = None, client_takeover: bool | None = None) -> list:
    """As extensões para ``websockets.serve(..., extensions=...)``: permessage-deflate com a janela,
    o memLevel e o *context takeover* dados (padrão: ``DEFAULT``, a escolha do curso)."""
    wb, ml, keep, keep_client = DEFAULT
    return [_factory(window_bits or wb, mem_level or ml, keep if takeover is None else takeover,
                     keep_client if client_takeover is None else client_takeover)]


def _pair(extensions):
    """Um par cliente/servidor Sans-I/O depois do handshake e de uma mensagem em cada sentido."""
    from websockets.client import ClientProtocol
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
    from websockets.server import ServerProtocol
    from websockets.uri import parse_uri

    client = ClientProtocol(parse_uri("ws://127.0.0.1/ws"),
                            extensions=[ClientPerMessageDeflateFactory()] if extensions else None)
    server = ServerProtocol(extensions=extensions)
    client.send_request(client.connect())
    server.receive_data(b"".join(client.data_to_send()))
    server.send_response(server.accept(server.events_received()[0]))
    client.receive_data(b"".join(server.data_to_send()))
    client.events_received()
    client.send_text(b'{"action":"join","nick":"Ana"}')
    server.receive_data(b"".join(client.data_to_send()))
    server.events_received()
    server.send_text(CHAT_MESSAGES[0].encode())
    client.receive_data(b"".join(server.data_to_send()))
    client.events_received()
    return server, client


def _kept_bytes(extensions, connections: int) -> float:
    """Bytes que cada servidor guarda: a inclinação entre ``connections`` e ``2 × connections``
    servidores abertos (o que só se aloca uma vez, em caches e na primeira conexão, se cancela)."""
    servers, marks = [], []
    for _ in range(2):
        for _ in range(connections):
            server, _client = _pair(extensions)
            servers.append(server)  # o cliente é solto aqui: só o servidor fica na conta
        gc.collect()
        marks.append(tracemalloc.get_traced_memory()[0])
    del servers
    return (marks[1] - marks[0]) / connections


def _wire_bytes(extensions, messages: list[str]) -> int:
    server, _client = _pair(extensions)
    total = 0
    for text in messages:
        server.send_text(text.encode())
        total += sum(len(chunk) for chunk in server.data_to_send())
    return total


def _history_page() -> str:
    import json

    from ..chat.protocol import encode, history_pages

    return encode(history_pages([json.loads(m) for m in CHAT_MESSAGES[:50]])[0])


def measure(window_bits: int, mem_level: int, takeover: bool = True, client_takeover: bool = True, *,
            connections: int = 20) -> CompressionRow:
    """Mede uma configuração (ver a teoria de operação no topo do módulo). Sem rede, sem relógio."""
    if not (9 <= window_bits <= 15 and 1 <= mem_level <= 9):
        raise ValueError("janela entre 9 e 15 e memLevel entre 1 e 9")
    extensions = [_factory(window_bits, mem_level, takeover, client_takeover)]
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    try:
        plain = _kept_bytes(None, connections)
        deflate = _kept_bytes(extensions, connections)
    finally:
        if not started:
            tracemalloc.stop()
    page = [_history_page()]
    return CompressionRow(
        window_bits, mem_level, takeover, max(0.0, (deflate - plain) / 1024),
        zlib_estimate(window_bits, mem_level, takeover, client_takeover) / 1024,
        _wire_bytes(extensions, CHAT_MESSAGES) / _wire_bytes(None, CHAT_MESSAGES),
        _wire_bytes(extensions, page) / _wire_bytes(None, page), client_takeover)


def grid(window_bits=range(9, 16), mem_levels=range(1, 10), *, takeover: bool = True,
         connections: int = 20, progress=None) -> list[CompressionRow]:
    """A tabela inteira (janela 9–15 × memLevel 1–9, no benchmark) ou um pedaço dela."""
    rows = []
    for wb in window_bits:
        for ml in mem_levels:
            rows.append(measure(wb, ml, takeover, connections=connections))
            if progress is not None:
                progress.value += 1
    return rows


def best(rows: list[CompressionRow], budget_kib: float) -> CompressionRow | None:
    """A linha que mais comprime as mensagens do chat gastando no máximo ``budget_kib`` a mais por
    conexão (empate: a que gasta menos memória)."""
    fits = [r for r in rows if r.kib_per_connection <= budget_kib]
    return min(fits, key=lambda r: (round(r.ratio, 3), r.kib_per_connection), default=None)


DATA_FILE = "docs/06-compressao.json"  # (notebooks/dados/ guarda só o banco do chat: fora do git)


def to_json(rows: list[CompressionRow]) -> str:
    """As linhas como JSON (o arquivo que o notebook 06 lê), uma linha por configuração."""
    import dataclasses
    import json

    items = [{k: round(v, 4) if isinstance(v, float) else v for k, v in dataclasses.asdict(r).items()}
             for r in rows]
    return "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"


def from_json(text: str) -> list[CompressionRow]:
    import json

    return [CompressionRow(**item) for item in json.loads(text)]


def table() -> list[CompressionRow]:
    """A tabela gravada pelo benchmark (``DATA_FILE``, na raiz do repositório)."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    return from_json((root / DATA_FILE).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.experiments.compression [ARQUIVO]``: mede a tabela inteira (janela 9–15 ×
    memLevel 1–9, com e sem *context takeover*, ≈ 30 s) e grava o JSON que o notebook 06 lê."""
    import pathlib
    import sys

    argv = sys.argv[1:] if argv is None else argv
    path = pathlib.Path(argv[0] if argv else DATA_FILE)
    rows = grid() + grid(takeover=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(rows), encoding="utf-8")
    print(f"✔ {len(rows)} configurações gravadas em {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
