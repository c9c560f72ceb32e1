"""O painel da turma: o que o servidor do chat conta, e como isso vira a tela do instrutor.

Introduzido no notebook 05 (seção 11, "O painel da turma"); o instrutor o projeta durante a aula
(``docs/guia-do-instrutor.md``, "Painel da turma").

Teoria de operação, em três camadas (a mesma separação do resto do curso: regra pura, E/S fina):

1. **Contar** (``RoomStats``, dentro do ``ChatServer``). Cada mensagem custa só atualizar
   contadores: somar 1 e o tamanho num balde por segundo (``buckets``, os últimos ``window``
   segundos), guardar o atraso numa fila circular de tamanho fixo (``delays``) e um evento
   curto noutra (``events``, para o diagrama). Nada cresce sem limite: ``deque(maxlen=...)``.
   O que depende de cada conexão (bytes esperando para sair, o tempo do último ping/pong) não é
   contado a cada mensagem: o servidor lê na hora da foto (``ChatServer.painel_snapshot``).
2. **Fotografar** (``RoomStats.snapshot``): um ``dict`` só com números, textos e listas (vira
   JSON sem esforço).
3. **Interpretar** (``panel_state``, ``summary``, ``diagram_messages``): funções puras que recebem
   a foto e um instante ``now`` (o relógio é injetado) e devolvem o estado do painel: taxas por
   segundo numa janela, p50/p99 do atraso, clientes mais lentos, fechamentos por motivo e os
   últimos segundos da sala para o diagrama de sequência. Testadas sem rede
   (``tests/test_painel.py``).

O **atraso de entrega** medido aqui é o do servidor: do momento em que o handler lê o ``send``
até o ``broadcast`` terminar de entregar o frame a todos os sockets (o ``write`` do sistema
operacional, ou o buffer do transporte se o TCP do cliente está cheio). Não inclui a rede nem a
fila de entrada antes do handler; quem está lento aparece à parte, pelo **buffer de envio**
(bytes que ainda não saíram) e pelo **RTT do último ping/pong** (``ws.latency`` do websockets).

Quem mostra: o widget ``Painel`` (no notebook) e a página ``/painel`` do servidor (para projetar),
as duas atualizadas por *polling* a cada segundo. Por que polling e não WebSocket? Há um único
espectador e ele quer uma foto por segundo, não cada evento: uma pergunta por segundo custa
~1 requisição/s, enquanto empurrar cada evento da sala para o painel custaria uma escrita a mais
por mensagem, justo no caminho que o painel mede (capítulo 03: polling é a ferramenta certa
quando o intervalo é o que você quer ver).
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

from ..core import stats
from ..core.clock import ManualClock
from ..core.numbers import decimal, exact

__all__ = ["CLOSE_REASONS", "CounterCost", "ManualClock", "Painel", "PanelState", "ScriptedRoom", "RoomStats", "chart_svg", "close_reason", "counter_cost", "diagram_messages", "diagram_svg", "panel_html", "panel_json",
           "panel_state", "percentile", "summary"]

# Índices de cada balde por segundo: [segundo, msgs_in, bytes_in, msgs_out, bytes_out, joins, leaves]
SEC, MSG_IN, BYTES_IN, MSG_OUT, BYTES_OUT, JOINS, LEAVES = range(7)

#: motivo de fechamento → como o painel o chama
CLOSE_REASONS = {
    "saiu": "saiu (CLOSE 1000/1001)",
    "lento": "lento (1013: não lia)",
    "batimento": "batimento (ping sem pong)",
    "caiu": "caiu (TCP sem CLOSE)",
    "politica": "recusado (1008: token ou join)",
    "outro": "outro código",
}


def close_reason(sent: int | None, received: int | None) -> str:
    """O motivo de um fechamento a partir dos códigos do CLOSE mandado e do recebido.

    RFC 6455 §7.4.1: 1000 normal, 1001 indo embora, 1008 violação de política, 1011 erro
    interno (o websockets usa 1011 quando o pong não chega: ``keepalive ping timeout``),
    1013 tente mais tarde; 1006 nunca viaja num frame: quer dizer que não houve CLOSE.

    >>> close_reason(None, 1000), close_reason(1011, None), close_reason(None, None)
    ('saiu', 'batimento', 'caiu')
    """
    if sent == 1013:
        return "lento"
    if sent == 1011:
        return "batimento"
    if 1008 in (sent, received):
        return "politica"
    if received in (1000, 1001) or (received is None and sent in (1000, 1001)):
        return "saiu"
    if received is None:
        return "caiu"
    return "outro"


class RoomStats:
    """Os contadores da sala. Cada método do caminho de uma mensagem é O(1) e sem alocação grande.

    ``clock``: segundos (monotônico) dos baldes e dos eventos; os testes e a sala de roteiro do
    notebook injetam um relógio que eles mesmos avançam. ``timer``: o relógio dos atrasos
    (padrão: o mesmo ``clock``; o servidor usa ``time.perf_counter``, que mede o atraso de
    verdade mesmo quando ``clock`` é de roteiro). ``window``: quantos segundos de baldes guardar;
    ``delays``/``events``: tamanho das filas.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: int = 120,
                 delays: int = 2048, events: int = 400, timer: Callable[[], float] | None = None):
        self.clock = clock
        self.timer = timer or clock
        self.started = clock()
        self.buckets: deque[list] = deque(maxlen=window)
        self.totals = [0] * 7  # os mesmos índices dos baldes (o SEC não é usado)
        self.delays: deque[tuple[float, float]] = deque(maxlen=delays)  # (instante, segundos)
        self.events: deque[tuple[float, str, str, str]] = deque(maxlen=events)  # (t, de, para, rótulo)
        self.closed: Counter[str] = Counter()

    def _bucket(self, now: float) -> list:
        second = int(now)
        if self.buckets and self.buckets[-1][SEC] == second:
            return self.buckets[-1]
        bucket = [second, 0, 0, 0, 0, 0, 0]
        self.buckets.append(bucket)
        return bucket

    def _count(self, index: int, size: int | None = None, n: int = 1) -> float:
        now = self.clock()
        bucket = self._bucket(now)
        bucket[index] += n
        self.totals[index] += n
        if size is not None:
            bucket[index + 1] += size
            self.totals[index + 1] += size
        return now

    # --- o caminho de cada mensagem: só contadores ------------------------------------------

    def received(self, size: int) -> None:
        """Chegou uma mensagem de ``size`` bytes."""
        self._count(MSG_IN, size)

    def sent(self, connections: int, size: int) -> None:
        """Um ``push`` de ``size`` bytes para ``connections`` conexões."""
        if connections:
            self._count(MSG_OUT, size * connections, connections)

    def delivered(self, since: float) -> None:
        """Uma entrega terminou; ``since`` é o instante (de ``timer``) em que a mensagem foi lida."""
        self.delays.append((self.clock(), self.timer() - since))

    def event(self, src: str, dst: str, label: str) -> None:
        """Um evento para o diagrama da sala (uma seta de ``src`` para ``dst``)."""
        self.events.append((self.clock(), src, dst, label))

    def message(self, nick: str, msg_id: int, copies: int, read_at: float) -> None:
        """Uma mensagem guardada e empurrada: o atraso e as duas setas do diagrama, com uma leitura
        de cada relógio. Os rótulos só viram texto na foto (``snapshot``), não aqui."""
        now = self.clock()
        self.delays.append((now, self.timer() - read_at))
        self.events.append((now, nick, "servidor", msg_id))
        self.events.append((now, "servidor", "turma", (msg_id, copies)))

    def joined(self, nick: str) -> None:
        self._count(JOINS)
        self.event(nick, "servidor", "join")

    def left(self, nick: str, reason: str) -> None:
        self._count(LEAVES)
        self.closed[reason] += 1
        self.event("servidor", nick, f"fechou: {reason}")

    # --- a foto ------------------------------------------------------------------------------

    def snapshot(self, connected: int, clients: list[dict] = (), counters: Mapping[str, int] = ()) -> dict:
        """Tudo o que o painel precisa, em tipos simples (JSON). ``clients``: uma linha por
        conexão (``nick``, ``buffer`` em bytes, ``rtt`` em segundos ou ``None``)."""
        names = ["msgs_in", "bytes_in", "msgs_out", "bytes_out", "joins", "leaves"]
        return {
            "now": self.clock(),
            "started": self.started,
            "connected": connected,
            "totals": dict(zip(names, self.totals[1:])),
            "buckets": [list(b) for b in self.buckets],
            "delays": list(self.delays),
            "events": [(t, src, dst, _label(label)) for t, src, dst, label in self.events],
            "closed": dict(self.closed),
            "clients": list(clients),
            "counters": dict(counters),
        }


def _label(label) -> str:
    """O rótulo de uma seta: ``send #12`` (um id), ``message #12 ×50`` (id, cópias) ou o texto."""
    if isinstance(label, int):
        return f"send #{label}"
    if isinstance(label, tuple):
        return f"message #{label[0]} ×{label[1]}"
    return label


# --- interpretar: funções puras ------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """O percentil ``p`` (0–100) de ``helpers.core.stats``, mas ``None`` sem valores (vira ``null``
    no ``/painel.json``; ``nan`` não é JSON válido)."""
    return stats.percentile(values, p) if values else None


@dataclass(frozen=True)
class PanelState:
    """O que o painel mostra num instante. Taxas por segundo na janela; atrasos em milissegundos."""

    connected: int
    window: float
    joins: int  # na janela
    leaves: int
    msgs_in: float  # por segundo
    msgs_out: float
    bytes_in: float
    bytes_out: float
    p50_ms: float | None
    p99_ms: float | None
    delay_samples: int
    slowest: list[dict]
    closed: dict[str, int]
    refused: int  # mensagens recusadas pelo limite de taxa (enchente)
    totals: dict[str, int]
    per_second: list[dict] = field(default_factory=list)  # a janela, segundo a segundo
    events: list[dict] = field(default_factory=list)  # os últimos segundos da sala

    def to_json(self) -> dict:
        return asdict(self)


def panel_state(snapshot: Mapping, now: float | None = None, window: float = 10.0,
                recent: float = 5.0, slowest: int = 5) -> PanelState:
    """A foto do servidor vista no instante ``now`` (padrão: o da foto).

    Taxas: soma dos baldes dos últimos ``window`` segundos dividida pela janela (ou pelo tempo
    desde o início do servidor, se ele for mais curto). p50/p99: só os atrasos da janela.
    ``recent``: quantos segundos de eventos vão para o diagrama.
    """
    now = snapshot["now"] if now is None else now
    start = now - window
    span = max(1e-9, min(window, now - snapshot["started"]))
    inside = [b for b in snapshot["buckets"] if b[SEC] + 1 > start and b[SEC] <= now]
    sums = [sum(b[i] for b in inside) for i in range(7)]
    delays = [d for t, d in snapshot["delays"] if start < t <= now]
    p50, p99 = percentile(delays, 50), percentile(delays, 99)
    clients = sorted(snapshot["clients"], key=lambda c: (-c["buffer"], -(c["rtt"] or 0), c["nick"]))
    per_second = [{"t": b[SEC] - int(now), "msgs_in": b[MSG_IN], "msgs_out": b[MSG_OUT],
                   "joins": b[JOINS], "leaves": b[LEAVES]} for b in inside]
    events = [{"t": round(t - now, 3), "src": s, "dst": d, "label": label}
              for t, s, d, label in snapshot["events"] if now - recent < t <= now]
    return PanelState(
        connected=snapshot["connected"], window=window, joins=sums[JOINS], leaves=sums[LEAVES],
        msgs_in=sums[MSG_IN] / span, msgs_out=sums[MSG_OUT] / span,
        bytes_in=sums[BYTES_IN] / span, bytes_out=sums[BYTES_OUT] / span,
        p50_ms=None if p50 is None else p50 * 1000, p99_ms=None if p99 is None else p99 * 1000,
        delay_samples=len(delays), slowest=clients[:slowest], closed=dict(snapshot["closed"]),
        refused=snapshot.get("counters", {}).get("limitados", 0), totals=dict(snapshot["totals"]),
        per_second=per_second, events=events)


def _n(value: float | None, unit: str = "") -> str:
    """Número curto (``12,5``, ``1.200``); ``–`` quando não há medida."""
    if value is None:
        return "–"
    return decimal(value, 0 if value >= 100 or value == int(value) else 1) + unit


def summary(state: PanelState) -> str:
    """Uma linha de texto com os números do painel (o que um relatório estático mostra)."""
    closed = sum(state.closed.values())
    return (f"{state.connected} conectados · entradas/saídas na janela {state.joins}/{state.leaves} · "
            f"{_n(state.msgs_in)} msg/s chegando, {_n(state.msgs_out)} msg/s saindo · "
            f"{_n(state.bytes_out / 1024)} KiB/s saindo · atraso p50 {_n(state.p50_ms, ' ms')}, "
            f"p99 {_n(state.p99_ms, ' ms')} · fechados {closed} · recusadas por taxa {state.refused}")


def diagram_messages(state: PanelState, senders: int = 3, max_rows: int = 24) -> tuple[list[str], list[dict]]:
    """Raias e setas (formato de ``helpers.widgets.diagram.render_svg``) dos últimos segundos.

    Uma sala de 50 não cabe em 50 raias: quem falou por último ganha raia própria (até
    ``senders``), os outros dividem a raia "outros", e cada ``broadcast`` vira uma seta só
    para a raia "turma", com o número de cópias no rótulo.
    """
    events = state.events[-max_rows:]
    named: list[str] = []
    for e in reversed(events):
        for who in (e["src"], e["dst"]):
            if who not in ("servidor", "turma") and who not in named and len(named) < senders:
                named.append(who)
    named.reverse()

    def lane(who: str) -> str:
        return who if who in ("servidor", "turma") or who in named else "outros"

    others = any(lane(w) == "outros" for e in events for w in (e["src"], e["dst"]))
    lanes = [*named, *(["outros"] if others else []), "servidor", "turma"]
    messages = [{"src": lane(e["src"]), "dst": lane(e["dst"]), "label": e["label"],
                 "kind": "error" if e["label"].startswith("fechou") and "saiu" not in e["label"] else "msg"} for e in events]
    return lanes, messages


def diagram_svg(state: PanelState, title: str = "A sala nos últimos segundos") -> str:
    """O diagrama de sequência da sala (SVG), desenhado por ``helpers.widgets.diagram.render_svg``."""
    from ..widgets.diagram import render_svg  # importado aqui: o servidor da linha de comando não
    #                                           carrega os widgets enquanto ninguém abre o painel
    lanes, messages = diagram_messages(state)
    return render_svg(title, lanes, messages)


def chart_svg(state: PanelState, width: int = 520, height: int = 150) -> str:
    """Mensagens por segundo na janela: barras de chegada (sólidas) e de saída (hachuradas, em
    escala própria), com rótulos e legenda em texto: a cor nunca é a única diferença."""
    from ..widgets.svg import PALETTE, Svg

    svg = Svg(width, height, label="mensagens por segundo", font="sans-serif", font_size=11)
    seconds = {row["t"]: row for row in state.per_second}
    n = max(1, int(state.window))
    slot = (width - 60) / n
    top_in = max([r["msgs_in"] for r in state.per_second] + [1])
    top_out = max([r["msgs_out"] for r in state.per_second] + [1])
    base = height - 24
    svg.text(4, 12, f"chegando (barra cheia, até {top_in}/s) × saindo (barra vazada, até {top_out}/s)")
    for k in range(n):
        t = k - n + 1
        row = seconds.get(t, {"msgs_in": 0, "msgs_out": 0, "joins": 0, "leaves": 0})
        x = 40 + k * slot
        h_in = (base - 24) * row["msgs_in"] / top_in
        h_out = (base - 24) * row["msgs_out"] / top_out
        svg.rect(round(x), round(base - h_in), round(slot * 0.4), round(h_in), fill=PALETTE[0])
        svg.rect(round(x + slot * 0.45), round(base - h_out), round(slot * 0.4), round(h_out),
                 fill="white", stroke=PALETTE[1], stroke_width=2)
        marks = "+" * row["joins"] if row["joins"] < 4 else f"+{row['joins']}"
        marks += "−" * row["leaves"] if row["leaves"] < 4 else f"−{row['leaves']}"
        if marks:
            svg.text(round(x), base + 12, marks, font_size=9)
        if t % 5 == 0:
            svg.text(round(x), height - 2, f"{t} s", font_size=9, fill="#555")
    svg.line(36, base, width - 10, base, stroke="#999")
    return svg.render()


def panel_json(state: PanelState) -> dict:
    """O que ``GET /painel.json`` devolve: os números, a linha de resumo e os dois desenhos."""
    return {**state.to_json(), "summary": summary(state), "diagram": diagram_svg(state),
            "chart": chart_svg(state)}


# --- uma sala de roteiro (notebook 05, seção 11) ---------------------------------------------------


class ScriptedRoom:
    """Alunos de roteiro numa sala (conexões ``websockets`` de verdade, sem widgets).

    ``await sala.join(10)`` entra com ``aluno01``…; ``await sala.everyone_sends(clock, 5)``: durante
    5 segundos do relógio de roteiro, cada aluno manda uma mensagem por segundo (o roteiro só
    avança o relógio depois de o servidor ter lido todas: nada depende da velocidade da máquina);
    ``sala.close_lid(k)``: o laptop do aluno ``k`` para de ler (nem responde aos pings).
    ``await sala.close()`` fecha tudo. Limitado: no máximo ``MAX`` alunos.
    """

    MAX = 100

    def __init__(self, chat, timeout: float = 10.0):
        self.chat, self.timeout = chat, timeout
        self.conns: list = []
        self._readers: list[asyncio.Task] = []

    async def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.timeout  # só a guarda contra travar
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"a sala de roteiro não viu {what} em {exact(self.timeout)} s")
            await asyncio.sleep(0.002)

    @staticmethod
    async def _drain(ws) -> None:
        try:
            async for _ in ws:
                pass
        except Exception:  # noqa: BLE001  (a conexão caiu: é o roteiro, nada a mostrar)
            return

    async def join(self, n: int) -> None:
        import json

        from websockets.asyncio.client import connect

        for k in range(len(self.conns), min(len(self.conns) + n, self.MAX)):
            ws = await connect(self.chat.url, compression=None)
            await ws.send(json.dumps({"action": "join", "nick": f"aluno{k + 1:02d}"}))
            self.conns.append(ws)
            self._readers.append(asyncio.get_running_loop().create_task(self._drain(ws)))
            await self._until(lambda: len(self.chat.online) == k + 1, "a entrada")

    async def everyone_sends(self, clock: ManualClock, seconds: int) -> None:
        import json

        for second in range(seconds):
            clock.advance(1)
            expected = self.chat.stats.totals[MSG_IN] + len(self.conns)
            for k, ws in enumerate(self.conns):
                await ws.send(json.dumps({"action": "send", "text": f"{second + 1}ª rodada, aluno {k + 1}"}))
            await self._until(lambda: self.chat.stats.totals[MSG_IN] >= expected, "todas as mensagens")

    async def close_lid(self, k: int) -> None:
        """O aluno ``k`` fecha a tampa: o TCP fica aberto, mas ninguém lê nem responde ping.
        Espera o servidor perceber (pelo ping sem pong) e fechar a conexão."""
        before = len(self.chat.online)
        self._readers[k].cancel()
        self.conns[k].transport.pause_reading()
        await self._until(lambda: len(self.chat.online) < before, "o batimento fechar a conexão")

    async def start(self) -> None:
        """Nada a abrir: existe para a sala entrar no registro (``registry.stop_all`` a fecha)."""

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        for ws in self.conns:
            ws.transport.abort()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self.conns.clear()
        self._readers.clear()

    def __repr__(self) -> str:
        return f"ScriptedRoom({len(self.conns)} alunos)"


# --- o custo dos contadores (benchmark: helpers.tools.bench.rows_painel) -------------------------


@dataclass(frozen=True)
class CounterCost:
    """Quanto os contadores do painel somam a cada mensagem, em nanossegundos."""

    messages: int
    counters_ns: float  # received + sent + message (o que o servidor faz a cada mensagem)
    encode_ns: float  # referência: montar e codificar o JSON da mesma mensagem, feito de qualquer jeito


def counter_cost(messages: int = 20_000) -> CounterCost:
    """Mede, sem rede, o custo por mensagem dos contadores e o compara com codificar o JSON da
    mensagem (trabalho que o servidor já faz). Limitado: ``messages`` ≤ 1 000 000; melhor de 3."""
    from .protocol import encode, message_event

    messages = min(messages, 1_000_000)
    stats = RoomStats(time.monotonic, timer=time.perf_counter)
    msg = {"id": 123, "ts": "2026-12-03T12:00:00.000Z", "nick": "aluno07", "text": "Oi, turma! " * 4}

    def with_counters() -> None:
        for _ in range(messages):
            stats.received(60)
            read_at = stats.timer()
            stats.sent(50, 120)
            stats.message("aluno07", 123, 50, read_at)

    def encoding() -> None:
        for _ in range(messages):
            encode(message_event(msg))

    def best(work: Callable[[], None]) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times) / messages * 1e9

    return CounterCost(messages, best(with_counters), best(encoding))


def __getattr__(name: str):
    """O widget (``Painel``, ``panel_html``) mora em ``painel_widget`` e só é importado quando
    alguém o pede (PEP 562): o servidor da linha de comando conta sem carregar anywidget."""
    if name in ("Painel", "panel_html"):
        value = getattr(importlib.import_module(".painel_widget", __package__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"helpers.chat.painel não tem o nome {name!r}")
