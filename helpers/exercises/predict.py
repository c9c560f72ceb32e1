"""Perguntas "preveja antes de rodar": múltipla escolha com um comentário para cada opção.

Cada capítulo tem pelo menos uma. O aluno escolhe o que acha que a próxima célula vai mostrar,
recebe o comentário da opção escolhida (por que ela está certa, ou o que ela esquece) e só então
roda a célula e confere. Quem lê o notebook sem kernel vê a pergunta e as opções em texto.

Exemplo::

    Prediction("Quantas requisições 3 clientes fazem em 1 minuto, perguntando a cada 1 s?", [
        Choice("3", "Isso seria uma por cliente; cada um pergunta 60 vezes por minuto."),
        Choice("180", "Isso: 3 × 60 / 1.", correct=True),
    ])

``feedback`` é pura (testada em ``tests/test_predict.py``); o widget só a mostra.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

__all__ = ["Choice", "Prediction"]


@dataclass(frozen=True)
class Choice:
    label: str
    comment: str
    correct: bool = False


class Prediction:
    """Uma pergunta de múltipla escolha com um comentário por opção (exatamente uma certa)."""

    def __init__(self, question: str, choices: list[Choice]):
        if sum(c.correct for c in choices) != 1:
            raise ValueError("uma pergunta de previsão tem exatamente uma opção certa")
        self.question = question
        self.choices = list(choices)
        self.chosen: int | None = None
        self._widget = None

    def feedback(self, index: int) -> str:
        """O comentário da opção ``index`` (0, 1, …), com ✔ ou ✘ na frente."""
        if not 0 <= index < len(self.choices):
            raise ValueError(f"Escolha uma opção entre 1 e {len(self.choices)}.")
        choice = self.choices[index]
        return f"{'✔ Isso.' if choice.correct else '✘ Ainda não.'} {choice.comment}"

    def choose(self, index: int) -> str:
        """O mesmo que clicar na opção ``index`` (os testes e quem não tem widgets usam isto)."""
        text = self.feedback(index)
        self.chosen = index
        if self._widget is not None:
            self._show(text)
        return text

    def _show(self, text: str) -> None:
        ok = self.choices[self.chosen].correct
        color = "#1b6e3a" if ok else "#8a3b12"
        self._answer.value = f'<div style="color:{color};padding:4px 0">{escape(text)}</div>'

    @property
    def widget(self):
        if self._widget is None:
            import ipywidgets as widgets

            buttons = [widgets.Button(description=f"{chr(65 + i)}) {c.label}",
                                      layout=widgets.Layout(width="auto", max_width="100%"))
                       for i, c in enumerate(self.choices)]
            for i, button in enumerate(buttons):
                button.on_click(lambda _b, i=i: self.choose(i))
            self._answer = widgets.HTML()
            self._widget = widgets.VBox([widgets.HTML(f"<b>🤔 Preveja antes de rodar:</b> "
                                                      f"{escape(self.question)}"),
                                         *buttons, self._answer])
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:  # estável: o nbval compara este texto; sem kernel, é o que se lê
        options = "\n".join(f"  {chr(65 + i)}) {c.label}" for i, c in enumerate(self.choices))
        return f"Preveja antes de rodar: {self.question}\n{options}"
