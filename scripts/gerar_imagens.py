#!/usr/bin/env python3
"""Gera as figuras do curso (SVG) em ``images/``: os desenhos que as notas de estudo originais
traziam como imagens, refeitos aqui, com o nome prefixado pelo capítulo que os usa.

    python3 scripts/gerar_imagens.py          # reescreve images/NN-*.svg
    python3 scripts/gerar_imagens.py --check  # só confere se os arquivos estão em dia (teste)

Cada figura é uma função pura que devolve o texto do SVG: mesmo código, mesmos bytes (o teste
``tests/test_imagens.py`` confere que os arquivos versionados são os que este script gera).
Só SVG com texto e formas simples: sem fontes embutidas, sem nada buscado de fora; as fontes são
as do sistema (DejaVu Sans no Linux, Verdana/Arial no Windows).

| arquivo | o que mostra | nome nas notas originais |
|---|---|---|
| ``01-http-requisicao-resposta.svg`` | o cliente pergunta, o servidor responde | "HTTP Protocol" |
| ``03-chat-http-polling.svg`` | chat sobre HTTP: perguntar de novo e de novo | "Real-time Chat HTTP" |
| ``04-upgrade.svg`` | o GET com ``Upgrade: websocket`` e o ``101`` | "HTTP Upgrade" |
| ``04-tunel.svg`` | uma conexão aberta, mensagens nos dois sentidos | "WebSocket Túnel" |
| ``05-chat-websocket.svg`` | envia → grava → empurra para todos | "Real Time Chat WS" |
| ``07-api-gateway.svg`` | rotas ``$connect``/``$disconnect``/``$default``/action e ``@connections`` | "API GW", "WS API GW" |
"""

from __future__ import annotations

import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = ROOT / "images"
sys.path.insert(0, str(ROOT))

try:
    from helpers.widgets.svg import FONT, MONO, Svg
except ImportError:  # rodado com o python3 do sistema: passa para o ambiente do curso (.venv)
    import curso

    python = str(curso.ensure_env())
    os.execv(python, [python, __file__, *sys.argv[1:]])

BLUE = "#1f4e79"      # requisições e mensagens (as mesmas cores do diagrama de sequência)
GREEN = "#1e7b34"     # respostas com novidade, o servidor que fala primeiro
GRAY = "#777777"      # "nada novo", anotações (sempre com traço ou itálico, não só a cor)
LANE_STROKE = "#4a6fa5"
CARD_STROKE = "#d0d7de"


def figure(width: int, height: int, title: str, description: str) -> Svg:
    """Uma figura autônoma: ``<title>`` e ``<desc>`` para leitores de tela, fontes do sistema."""
    return Svg(width, height, title=title, description=description, font=FONT)


def write(svg: Svg, x, y, text: str, *, size=14, anchor="start", color=None, weight=None,
          italic=False, mono=False) -> None:
    """Um texto da figura, com os nomes curtos que as figuras usam."""
    svg.text(x, y, text, font_size=size, text_anchor=None if anchor == "start" else anchor,
             fill=color, font_weight=weight, font_style="italic" if italic else None,
             font_family=MONO if mono else None)


def heading(svg: Svg, text: str) -> None:
    write(svg, 20, 28, text, size=18, weight="bold")


def lanes(svg: Svg, names: dict[str, int], top: int, bottom: int, width: int = 150) -> None:
    for name, x in names.items():
        svg.box(x - width // 2, top, width, 30, name)
        svg.line(x, top + 30, x, bottom, stroke="#999", stroke_width=1.5, stroke_dasharray="4 4")


def http_request_response() -> str:
    svg = figure(760, 400, "HTTP: o cliente pergunta, o servidor responde",
              "Diagrama de sequência: o cliente envia uma requisição GET com headers; o servidor "
              "devolve uma resposta 200 OK com headers e corpo. Toda conversa começa no cliente.")
    heading(svg, "HTTP: o cliente pergunta, o servidor responde")
    c, s = 130, 630
    lanes(svg, {"cliente": c, "servidor": s}, 50, 345)
    svg.arrow(c, 118, s, 118, "① requisição")
    svg.card(c + 25, 128, ["GET /mensagens HTTP/1.1", "Host: chat.exemplo.com.br",
                           "Accept: application/json", ""], width=450)
    svg.arrow(s, 238, c, 238, "② resposta", color=GREEN)
    svg.card(c + 25, 248, ["HTTP/1.1 200 OK", "Content-Type: application/json",
                           "", '[{"de": "Ana", "texto": "oi!"}]'], width=450, color="#1b4721")
    write(svg, 380, 378, "Linha inicial, headers, linha em branco, corpo. O servidor só responde ao "
             "que foi pedido.", size=13, anchor="middle", color=GRAY, italic=True)
    return svg.render()


def chat_http_polling() -> str:
    svg = figure(760, 470, "Chat sobre HTTP: perguntar de novo e de novo (polling)",
              "Ana envia uma mensagem com POST. Bruno pergunta ao servidor a cada 2 segundos se há "
              "novidade; quase sempre a resposta é vazia, e a mensagem de Ana só chega a ele na "
              "pergunta seguinte.")
    heading(svg, "Chat sobre HTTP: perguntar de novo e de novo (polling)")
    ana, srv, bruno = 110, 380, 650
    lanes(svg, {"Ana": ana, "servidor": srv, "Bruno": bruno}, 50, 420, width=130)
    y = 112
    svg.arrow(bruno, y, srv, y, "GET /mensagens  (t = 0 s)")
    svg.arrow(srv, y + 32, bruno, y + 32, "200 · []  nada novo", color=GRAY, dashed=True)
    svg.arrow(ana, y + 75, srv, y + 75, 'POST /mensagens  "oi!"  (t = 1 s)')
    svg.arrow(srv, y + 107, ana, y + 107, "201 Created", color=GRAY, dashed=True)
    svg.arrow(bruno, y + 150, srv, y + 150, "GET /mensagens  (t = 2 s)")
    svg.arrow(srv, y + 182, bruno, y + 182, '200 · ["oi!"]  chegou, 1 s depois', color=GREEN)
    svg.arrow(bruno, y + 225, srv, y + 225, "GET /mensagens  (t = 4 s)")
    svg.arrow(srv, y + 257, bruno, y + 257, "200 · []  nada novo", color=GRAY, dashed=True)
    write(svg, (srv + bruno) / 2, y + 292, "… e assim por diante, a cada 2 s", size=12, anchor="middle",
             color=GRAY, italic=True)
    write(svg, 380, 452, "Com 3 clientes perguntando 1 vez por segundo: 3 × 60 = 180 requisições por "
             "minuto, quase todas vazias.", size=13, anchor="middle", color=GRAY, italic=True)
    return svg.render()


def upgrade() -> str:
    svg = figure(760, 470, "O Upgrade: uma requisição HTTP que vira WebSocket",
              "O cliente envia GET com Upgrade: websocket e Sec-WebSocket-Key; o servidor responde "
              "101 Switching Protocols com Sec-WebSocket-Accept. Depois disso a mesma conexão TCP "
              "leva frames WebSocket nos dois sentidos.")
    heading(svg, "O Upgrade: uma requisição HTTP que vira WebSocket")
    c, s = 110, 650
    lanes(svg, {"cliente": c, "servidor": s}, 50, 440)
    svg.arrow(c, 112, s, 112, "① GET com pedido de Upgrade")
    svg.card(c + 20, 122, ["GET /chat HTTP/1.1", "Host: 127.0.0.1:8765", "Upgrade: websocket",
                           "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                           "Sec-WebSocket-Version: 13"], width=500)
    svg.arrow(s, 262, c, 262, "② 101: pedido aceito", color=GREEN)
    svg.card(c + 20, 272, ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                           "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="],
             width=500, color="#1b4721")
    svg.box(c - 60, 378, s - c + 120, 34, "③ daqui em diante: frames WebSocket, nos dois sentidos, "
            "na mesma conexão TCP", fill="#e8f5e9", stroke=GREEN, size=13)
    write(svg, 380, 458, "Accept = base64(SHA-1(Key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)), "
             "RFC 6455 §1.3", size=12, anchor="middle", color=GRAY, italic=True)
    return svg.render()


def tunnel() -> str:
    svg = figure(760, 330, "O túnel: uma conexão aberta, mensagens nos dois sentidos",
              "Cliente e servidor ligados por uma única conexão TCP que fica aberta. Frames vão do "
              "cliente ao servidor e do servidor ao cliente a qualquer momento, sem uma requisição "
              "nova por mensagem.")
    heading(svg, "O túnel: uma conexão aberta, mensagens nos dois sentidos")
    svg.box(20, 110, 130, 110, "cliente\n(navegador)", size=15)
    svg.box(610, 110, 130, 110, "servidor", size=15)
    svg.box(150, 122, 460, 86, fill="#f3f7fc", stroke=LANE_STROKE, rx=40, dashed=True)
    write(svg, 380, 104, "uma conexão TCP, aberta o tempo todo", size=13, anchor="middle", color=GRAY,
             italic=True)
    svg.arrow(170, 150, 590, 150, 'frame "oi!"', size=12)
    svg.arrow(590, 190, 170, 190, 'frame "Bruno: tudo bem?"', color=GREEN, size=12)
    write(svg, 380, 252, "O servidor fala quando tem o que dizer: sem nova requisição, sem "
             "perguntar “tem novidade?”.", size=13, anchor="middle")
    write(svg, 380, 278, "Cada frame leva de 2 a 14 bytes de cabeçalho (uma requisição HTTP leva "
             "centenas).", size=13, anchor="middle", color=GRAY)
    write(svg, 380, 304, "ping/pong mantém a conexão viva; close (com um código) a encerra dos "
             "dois lados.", size=13, anchor="middle", color=GRAY)
    return svg.render()


def chat_websocket() -> str:
    svg = figure(760, 400, "Chat com WebSocket: envia, grava, empurra para todos",
              "Ana envia uma mensagem pelo WebSocket; o servidor grava no histórico (SQLite) e a "
              "envia na hora para todos os clientes conectados, Bruno e Carla incluídos, sem que "
              "eles perguntem.")
    heading(svg, "Chat com WebSocket: envia, grava, empurra para todos")
    svg.box(30, 160, 130, 60, "Ana")
    svg.box(320, 150, 140, 80, "servidor\nde chat", size=15)
    svg.box(600, 80, 130, 60, "Bruno")
    svg.box(600, 240, 130, 60, "Carla")
    svg.arrow(160, 182, 320, 182, '① "oi, turma!"')
    svg.cylinder(330, 290, 120, 70, "histórico\n(SQLite)")
    svg.arrow(390, 230, 390, 290, "", color="#b9770e")
    write(svg, 398, 266, "② grava", size=13, color="#b9770e")
    svg.arrow(460, 170, 600, 115, "③ empurra", color=GREEN)
    svg.arrow(460, 210, 600, 265, "③ empurra", color=GREEN, above=False)
    svg.arrow(320, 205, 160, 205, "③ eco (entregue)", color=GREEN, above=False, size=12)
    write(svg, 380, 385, "Ninguém pergunta “tem novidade?”: a mensagem chega a todos na hora, pelas "
             "conexões que já estão abertas.", size=13, anchor="middle", color=GRAY, italic=True)
    return svg.render()


def api_gateway() -> str:
    svg = figure(760, 430, "API Gateway com WebSocket: rotas e @connections",
              "Clientes se conectam ao API Gateway, que mantém as conexões WebSocket. Cada evento "
              "vira uma chamada a uma função: $connect, $disconnect, $default ou a rota escolhida "
              "pelo campo action da mensagem. Para falar com um cliente, a função faz POST em "
              "@connections/id.")
    heading(svg, "API Gateway com WebSocket: rotas e @connections")
    for i, name in enumerate(["Ana", "Bruno", "Carla"]):
        svg.box(20, 70 + i * 80, 100, 46, name)
        svg.arrow(120, 93 + i * 80, 250, 150 + (i - 1) * 30, "", color=BLUE, both=True, width=1.5)
    write(svg, 185, 310, "WebSocket", size=12, anchor="middle", color=GRAY, italic=True)
    svg.box(250, 60, 210, 250, fill="#f3f7fc", stroke=LANE_STROKE)
    write(svg, 355, 86, "API Gateway", size=16, anchor="middle", weight="bold")
    write(svg, 355, 106, "guarda as conexões (ids)", size=12, anchor="middle", color=GRAY)
    routes = ["$connect", "$disconnect", '"action": "enviar"', "$default"]
    for i, route in enumerate(routes):
        svg.box(270, 122 + i * 44, 170, 32, fill="white", stroke=CARD_STROKE, rx=4)
        write(svg, 355, 143 + i * 44, route, size=13, anchor="middle", mono=True)
    functions = ["conectar()", "desconectar()", "enviar()", "padrao()"]
    for i, fn in enumerate(functions):
        svg.box(560, 122 + i * 44, 170, 32, fill="#fdf2e3", stroke="#b9770e", rx=4)
        write(svg, 645, 143 + i * 44, fn, size=13, anchor="middle", mono=True)
        svg.arrow(440, 138 + i * 44, 560, 138 + i * 44, "", width=1.5)
    write(svg, 645, 108, "funções (backend)", size=13, anchor="middle", weight="bold")
    svg.polyline([(730, 226), (748, 226), (748, 345), (355, 345), (355, 312)],
                 "enviar() fala com Bruno e Carla: POST @connections/{id}", color=GREEN)
    write(svg, 380, 395, "O gateway cuida das conexões abertas; as funções só recebem eventos", size=13,
             anchor="middle", color=GRAY, italic=True)
    write(svg, 380, 415, "e, para falar primeiro com um cliente, chamam @connections.", size=13,
             anchor="middle", color=GRAY, italic=True)
    return svg.render()


FIGURES = {
    "01-http-requisicao-resposta.svg": http_request_response,
    "03-chat-http-polling.svg": chat_http_polling,
    "04-upgrade.svg": upgrade,
    "04-tunel.svg": tunnel,
    "05-chat-websocket.svg": chat_websocket,
    "07-api-gateway.svg": api_gateway,
}


def main(argv: list[str]) -> int:
    stale = []
    for name, draw in FIGURES.items():
        path = IMAGES / name
        svg = draw()
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != svg:
                stale.append(name)
            continue
        IMAGES.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        print(f"✔ {path.relative_to(ROOT)}")
    if stale:
        print("desatualizadas (rode python3 scripts/gerar_imagens.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
