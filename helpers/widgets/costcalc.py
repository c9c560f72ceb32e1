"""Calculadora do custo do polling: clientes e intervalo → requisições, bytes e atraso.

Introduzida no notebook 03 (Polling e long polling). As contas são funções puras (testadas em
``tests/test_costcalc.py``); o widget ``CostCalculator`` só as mostra.

As fórmulas, para ``clientes`` perguntando a cada ``intervalo`` segundos:

* requisições por minuto = clientes × 60 / intervalo  (o exemplo do capítulo 03: 3 × 60 / 1 = 180);
* bytes por minuto = requisições por minuto × bytes de cada pergunta e resposta;
* atraso até ver uma mensagem nova: em média intervalo / 2, no pior caso um intervalo
  (a mensagem chega logo depois de uma pergunta e espera a próxima).

O livro *High Performance Browser Networking* (Grigorik) dá o exemplo de 10.000 clientes
perguntando a cada 60 s: ≈ 167 requisições por segundo, quase todas sem nada novo, e estima
500–800 bytes de headers por requisição HTTP/1.x.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import ipywidgets as widgets

from ..core.numbers import decimal

__all__ = [
    "PRESETS",
    "CostCalculator",
    "Preset",
    "average_delay",
    "bytes_per_minute",
    "format_bytes",
    "format_number",
    "requests_per_day",
    "requests_per_minute",
    "requests_per_second",
    "summary_rows",
    "worst_delay",
]


def _check(clients: float, interval: float) -> None:
    if clients < 0:
        raise ValueError("o número de clientes não pode ser negativo")
    if interval <= 0:
        raise ValueError("o intervalo deve ser maior que zero")


def requests_per_minute(clients: float, interval: float) -> float:
    """Requisições por minuto de ``clients`` clientes perguntando a cada ``interval`` segundos."""
    _check(clients, interval)
    return clients * 60 / interval


def requests_per_second(clients: float, interval: float) -> float:
    return requests_per_minute(clients, interval) / 60


def requests_per_day(clients: float, interval: float) -> float:
    return requests_per_minute(clients, interval) * 60 * 24


def bytes_per_minute(clients: float, interval: float, bytes_per_poll: float) -> float:
    """Bytes por minuto, se cada pergunta + resposta custa ``bytes_per_poll`` bytes."""
    if bytes_per_poll < 0:
        raise ValueError("o número de bytes não pode ser negativo")
    return requests_per_minute(clients, interval) * bytes_per_poll


def average_delay(interval: float) -> float:
    """Atraso médio até o cliente ver uma mensagem nova: meio intervalo."""
    _check(0, interval)
    return interval / 2


def worst_delay(interval: float) -> float:
    """Pior atraso: um intervalo inteiro (a mensagem chegou logo depois de uma pergunta)."""
    _check(0, interval)
    return interval


format_number = decimal  # ponto nos milhares, vírgula nos decimais (1.234,5)


def format_bytes(value: float) -> str:
    """Bytes com a unidade que cabe: B, kB, MB, GB (potências de 1000, uma casa decimal)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{format_number(value / size, 1)} {unit}"
    return f"{format_number(value)} B"


@dataclass(frozen=True)
class Preset:
    label: str
    clients: int
    interval: float
    header_bytes: int


PRESETS = (
    Preset("capítulo 03: 3 clientes, 1 s", 3, 1.0, 800),
    Preset("HPBN: 10.000 clientes, 60 s", 10_000, 60.0, 800),
)


def _seconds(value: float) -> str:
    decimals = 0 if value == int(value) else (1 if value * 10 == int(value * 10) else 2)
    return f"{format_number(value, decimals)} s"


def _per_minute(rpm: float) -> str:
    return format_number(rpm, 0 if rpm == int(rpm) or rpm >= 100 else 1)


def summary_rows(clients: int, interval: float, header_bytes: int) -> list[tuple[str, str]]:
    """As linhas da tabela que o widget mostra (texto pronto, em português)."""
    rpm = requests_per_minute(clients, interval)
    rps = requests_per_second(clients, interval)
    return [
        ("requisições por minuto", _per_minute(rpm)),
        ("requisições por segundo", format_number(rps, 1 if rps >= 1 else 2)),
        ("requisições por dia", format_number(requests_per_day(clients, interval))),
        ("bytes de header por minuto", format_bytes(bytes_per_minute(clients, interval, header_bytes))),
        ("atraso médio para ver uma mensagem", _seconds(average_delay(interval))),
        ("pior atraso", _seconds(worst_delay(interval))),
    ]


class CostCalculator(widgets.VBox):
    """Widget: mexa em clientes, intervalo e bytes de header; veja o custo do polling.

    >>> CostCalculator()                          # começa no exemplo do capítulo 03
    >>> CostCalculator(preset=PRESETS[1])         # o exemplo do HPBN
    """

    def __init__(self, preset: Preset = PRESETS[0]):
        style = {"description_width": "230px"}
        layout = widgets.Layout(width="520px")
        self.clients = widgets.BoundedIntText(
            min=1, max=10_000_000, step=1, description="clientes", style=style, layout=layout)
        self.interval = widgets.BoundedFloatText(
            min=0.1, max=3600, step=0.5, description="intervalo entre perguntas (s)",
            style=style, layout=layout)
        self.header_bytes = widgets.IntSlider(
            min=0, max=2000, step=50, description="bytes de header (ida e volta)",
            style=style, layout=layout)
        self.presets = widgets.ToggleButtons(
            options=[(p.label, i) for i, p in enumerate(PRESETS)], value=None,
            description="exemplos", style={"description_width": "70px", "button_width": "240px"})
        self.result = widgets.HTML()
        super().__init__([self.presets, self.clients, self.interval, self.header_bytes, self.result])
        for control in (self.clients, self.interval, self.header_bytes):
            control.observe(self._update, names="value")
        self.presets.observe(self._choose, names="value")
        self.apply(preset)

    def apply(self, preset: Preset) -> None:
        """Põe os valores de um exemplo nos controles."""
        with self.hold_sync():
            self.clients.value = preset.clients
            self.interval.value = preset.interval
            self.header_bytes.value = preset.header_bytes
        self.presets.value = next((i for i, p in enumerate(PRESETS) if p == preset), None)
        self._update()

    def _choose(self, change) -> None:
        if change["new"] is not None:
            self.apply(PRESETS[change["new"]])

    def rows(self) -> list[tuple[str, str]]:
        return summary_rows(self.clients.value, self.interval.value, self.header_bytes.value)

    def _update(self, _change=None) -> None:
        current = (self.clients.value, self.interval.value, self.header_bytes.value)
        chosen = self.presets.value
        if chosen is not None and current != (PRESETS[chosen].clients, PRESETS[chosen].interval,
                                               PRESETS[chosen].header_bytes):
            self.presets.value = None  # mexeu nos controles: não é mais o exemplo
        cells = "".join(
            f'<tr><td style="padding:2px 12px 2px 0">{escape(k)}</td>'
            f'<td style="text-align:right;font-weight:bold">{escape(v)}</td></tr>'
            for k, v in self.rows()
        )
        self.result.value = f'<table style="font-size:14px;margin-top:6px">{cells}</table>'

    def summary(self) -> str:
        """A tabela em uma linha de texto (para quem lê o notebook sem o widget)."""
        rows = dict(self.rows())
        return (f"{format_number(self.clients.value)} clientes a cada {_seconds(self.interval.value)}: "
                f"{rows['requisições por minuto']} requisições por minuto, "
                f"{rows['bytes de header por minuto']} de header por minuto, "
                f"atraso médio {rows['atraso médio para ver uma mensagem']} "
                f"(pior {rows['pior atraso']})")

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        rpm = _per_minute(requests_per_minute(self.clients.value, self.interval.value))
        return (f"CostCalculator(clientes={self.clients.value}, intervalo={self.interval.value:g} s, "
                f"header={self.header_bytes.value} B → {rpm} req/min)")
