"""Guia de decisão: polling, long polling, SSE ou WebSocket?

Introduzido no notebook 06 (Uso consciente).

``recommend(respostas)`` é uma função pura (testada sem widget): recebe as respostas do
questionário (``QUESTIONS``) e devolve a técnica recomendada e os motivos. ``DecisionGuide`` é o
questionário interativo (ipywidgets) em volta dela.

O raciocínio segue o "uso consciente" do material de apoio: WebSocket só onde é preciso
**manter** uma conexão aberta com conversa nos dois sentidos; para acompanhar um upload de vez
em quando, um polling a cada poucos segundos é mais simples e basta.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QUESTIONS", "DecisionGuide", "Recommendation", "recommend"]

# chave → (pergunta, {valor: rótulo})
QUESTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "direction": ("Quem manda novidades?", {
        "server": "só o servidor (o cliente só acompanha)",
        "both": "os dois lados, o tempo todo (chat, jogo, edição conjunta)",
    }),
    "frequency": ("Com que frequência há novidade?", {
        "rare": "de vez em quando (minutos; ou um status que muda poucas vezes)",
        "often": "várias vezes por minuto",
        "constant": "o tempo todo (várias por segundo)",
    }),
    "latency": ("Quanto atraso é aceitável?", {
        "seconds": "alguns segundos, tudo bem",
        "instant": "tem que ser na hora (menos de ~100 ms)",
    }),
    "binary": ("Precisa mandar binário (áudio, imagens, protocolo próprio)?", {
        "no": "não, texto/JSON basta",
        "yes": "sim",
    }),
    "infra": ("A infraestrutura aceita conexões longas (proxy, balanceador, serverless)?", {
        "yes": "sim, ou posso configurar",
        "no": "não: só requisições HTTP curtas",
    }),
}

DEFAULTS = {"direction": "server", "frequency": "rare", "latency": "seconds", "binary": "no",
            "infra": "yes"}

NAMES = {"polling": "Polling", "long-polling": "Long polling", "sse": "SSE (Server-Sent Events)",
         "websocket": "WebSocket"}


@dataclass(frozen=True)
class Recommendation:
    technique: str
    reasons: tuple[str, ...]

    @property
    def name(self) -> str:
        return NAMES[self.technique]

    def __str__(self) -> str:
        return f"→ {self.name}\n" + "\n".join(f"  • {r}" for r in self.reasons)


def recommend(answers: dict[str, str]) -> Recommendation:
    """A técnica para estas respostas (chaves de ``QUESTIONS``; faltando, vale o padrão)."""
    a = {**DEFAULTS, **answers}
    for key, value in a.items():
        if key not in QUESTIONS or value not in QUESTIONS[key][1]:
            raise ValueError(f"Resposta desconhecida: {key}={value!r}. "
                             f"Opções: {', '.join(QUESTIONS.get(key, ('', {}))[1]) or 'nenhuma'}")
    reasons: list[str] = []
    if a["infra"] == "no":
        reasons.append("sem conexões longas na infraestrutura, sobra HTTP curto: uma pergunta por vez")
        if a["latency"] == "instant" or a["frequency"] == "constant":
            reasons.append("o atraso ficará perto do intervalo entre perguntas; reveja a infraestrutura "
                           "(um API Gateway com WebSocket, capítulo 07) se isso não servir")
        return Recommendation("polling", tuple(reasons))
    if a["direction"] == "both" and (a["frequency"] != "rare" or a["latency"] == "instant"):
        reasons.append("conversa nos dois sentidos, frequente: um túnel full duplex evita uma "
                       "requisição por mensagem")
        if a["binary"] == "yes":
            reasons.append("frames binários vão direto, sem base64")
        reasons.append("custo: memória por conexão, heartbeats, reconexão e as proteções deste "
                       "capítulo")
        return Recommendation("websocket", tuple(reasons))
    if a["binary"] == "yes" and a["frequency"] == "constant":
        reasons.append("fluxo constante de binário: SSE só leva texto; WebSocket leva bytes")
        return Recommendation("websocket", tuple(reasons))
    if a["frequency"] == "rare" and a["latency"] == "seconds":
        reasons.append("novidade rara e atraso de segundos aceitável: perguntar a cada 2–10 s é "
                       "simples e quase não muda cliente nem servidor (o upload do material de apoio)")
        if a["direction"] == "both":
            reasons.append("o cliente fala pouco: um POST quando precisar basta")
        return Recommendation("polling", tuple(reasons))
    if a["frequency"] == "rare":
        reasons.append("novidade rara mas que precisa chegar na hora: o servidor segura a "
                       "pergunta até ter resposta, sem conexões abertas o tempo todo")
        return Recommendation("long-polling", tuple(reasons))
    reasons.append("só o servidor fala, com frequência: um fluxo HTTP aberto (text/event-stream) "
                   "basta, com reconexão automática no navegador (EventSource)")
    reasons.append("atenção: no HTTP/1.1 o navegador abre no máximo 6 conexões por origem, somando "
                   "as abas, e cada EventSource ocupa uma; sirva por HTTP/2 (capítulo 07)")
    if a["direction"] == "both":
        reasons.append("o cliente fala pouco: um POST comum quando precisar")
    return Recommendation("sse", tuple(reasons))


class DecisionGuide:
    """O questionário: uma pergunta por linha, a recomendação atualizada a cada clique."""

    def __init__(self, **answers: str):
        import ipywidgets as widgets

        self.answers = {**DEFAULTS, **answers}
        self.buttons: dict[str, widgets.ToggleButtons] = {}
        rows = []
        for key, (question, options) in QUESTIONS.items():
            buttons = widgets.RadioButtons(options=[(label, value) for value, label in options.items()],
                                           value=self.answers[key],
                                           layout=widgets.Layout(width="auto"))
            buttons.observe(lambda change, key=key: self._changed(key, change["new"]), names="value")
            self.buttons[key] = buttons
            rows.append(widgets.VBox([widgets.HTML(f"<b>{question}</b>"), buttons]))
        self.output = widgets.HTML()
        self.widget = widgets.VBox(rows + [self.output])
        self._render()

    def set(self, **answers: str) -> Recommendation:
        """Muda respostas por código (o mesmo que clicar)."""
        for key, value in answers.items():
            self.buttons[key].value = value
        return self.recommendation

    def _changed(self, key: str, value: str) -> None:
        self.answers[key] = value
        self._render()

    def _render(self) -> None:
        from html import escape

        r = self.recommendation
        items = "".join(f"<li>{escape(x)}</li>" for x in r.reasons)
        self.output.value = (f'<div style="border-left:4px solid #1f77b4;padding:4px 10px">'
                             f"<b>Recomendação: {escape(r.name)}</b><ul>{items}</ul></div>")

    @property
    def recommendation(self) -> Recommendation:
        return recommend(self.answers)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:  # estável: o nbval compara este texto
        return f"DecisionGuide(recomendação: {self.recommendation.name})"
