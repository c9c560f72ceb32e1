"""O widget do painel da turma, para o notebook do instrutor (notebook 05, seção 11).

Separado de ``helpers.chat.painel`` (contadores e modelo, puros) para o servidor da linha de
comando não importar anywidget; ``from helpers.chat.painel import Painel`` continua valendo.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from html import escape

import traitlets

from ..core.numbers import exact
from ..widgets.plot import table_html
from ..widgets.svg import SvgWidget
from .painel import CLOSE_REASONS, PanelState, _n, chart_svg, diagram_svg, panel_state, summary

__all__ = ["Painel", "panel_html"]


def panel_html(state: PanelState) -> str:
    """O painel inteiro em HTML (números, gráfico, mais lentos, motivos, diagrama). Função pura:
    o widget a mostra, e a exportação estática do notebook também."""
    closed = sum(state.closed.values())
    numbers = table_html(
        ["conectados", "entraram/saíram", "msg/s chegando", "msg/s saindo", "KiB/s saindo",
         "atraso p50 (ms)", "atraso p99 (ms)", "fechados", "recusadas por taxa"],
        [[state.connected, f"{state.joins}/{state.leaves}", state.msgs_in, state.msgs_out,
          state.bytes_out / 1024, _n(state.p50_ms), _n(state.p99_ms), closed, state.refused]])
    slow = table_html(["mais lentos", "buffer de envio (B)", "RTT do ping (ms)"],
                      [[c["nick"], c["buffer"], _n(None if c["rtt"] is None else c["rtt"] * 1000)]
                       for c in state.slowest])
    reasons = ", ".join(f"{CLOSE_REASONS.get(k, k)}: {v}" for k, v in sorted(state.closed.items())) or "nenhum"
    return (f'<div class="curso-painel"><p><b>Painel da turma</b> (janela de {exact(state.window)} s)</p>'
            f"{numbers}<p>{escape(summary(state))}</p>"
            f'<div style="display:flex;gap:12px;flex-wrap:wrap"><div>{chart_svg(state)}{slow}'
            f"<p>Fechamentos por motivo: {escape(reasons)}</p></div>"
            f"<div>{diagram_svg(state)}</div></div></div>")


class Painel(SvgWidget):
    """O painel da turma como widget, no notebook do instrutor.

    Duas fontes: o ``ChatServer`` deste mesmo kernel (``Painel(chat)``), ou o chat que roda num
    terminal (``python3 curso.py chat``), pela mesma ``painel.json`` da página:
    ``Painel(url="http://127.0.0.1:8765/painel.json", token="TOKEN-DO-PROFESSOR")``.

    ``painel.refresh()`` tira uma foto agora (no notebook, uma sala de roteiro); para acompanhar
    ao vivo, ``await registry.spawn("painel", painel.follow(600))``: uma foto por segundo durante
    no máximo 600 s (polling, ver o começo deste módulo), parada por ``registry.stop_all()``.
    """

    _redraw_on = ("snapshot_text",)
    snapshot_text = traitlets.Unicode("")  # o HTML da última foto (não sincronizado à parte)

    def __init__(self, chat=None, *, url: str | None = None, token: str | None = None,
                 window: float = 10.0, clock: Callable[[], float] | None = None, **kw):
        if (chat is None) == (url is None):
            raise ValueError("Dê o servidor do chat, `Painel(chat)`, ou o endereço do painel.json, `Painel(url=...)`.")
        self.chat, self.url, self.token, self.window, self.clock = chat, url, token, window, clock
        self.state: PanelState | None = None
        super().__init__(css_class="curso-table", **kw)

    def draw(self) -> str:
        return self.snapshot_text or "<p>Painel da turma: ainda sem foto (painel.refresh()).</p>"

    def show(self, state: PanelState) -> PanelState:
        self.state = state
        self.snapshot_text = panel_html(state)
        return state

    def refresh(self, now: float | None = None) -> PanelState:
        """Uma foto do servidor deste kernel, vista em ``now`` (padrão: o relógio do servidor)."""
        if self.chat is None:
            raise RuntimeError("Este painel lê uma URL: use await painel.fetch().")
        return self.show(panel_state(self.chat.painel_snapshot(), now, self.window))

    async def fetch(self) -> PanelState:
        """Uma foto pela rede: ``GET painel.json`` com ``Authorization: Bearer TOKEN``."""
        import aiohttp

        async with aiohttp.ClientSession() as http:
            async with http.get(self.url, headers={"Authorization": f"Bearer {self.token}"}) as r:
                if r.status == 403:
                    raise PermissionError("O painel recusou: confira o token do professor (--token-professor).")
                r.raise_for_status()
                data = await r.json()
        fields = {f for f in PanelState.__dataclass_fields__}
        return self.show(PanelState(**{k: v for k, v in data.items() if k in fields}))

    async def follow(self, duration: float = 600.0, interval: float = 1.0) -> int:
        """Atualiza a cada ``interval`` s durante no máximo ``duration`` s; devolve quantas fotos."""
        photos = 0
        for _ in range(max(1, int(duration / interval))):
            if self.chat is not None:
                self.refresh()
            else:
                await self.fetch()
            photos += 1
            await asyncio.sleep(interval)  # o ritmo do polling (não espera nenhum evento)
        return photos

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        source = "chat deste kernel" if self.chat is not None else "painel.json"
        return f"Painel({source}, janela de {self.window:g} s)"


