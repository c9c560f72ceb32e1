import pytest

from helpers.exercises.predict import Choice, Prediction


def make():
    return Prediction("Quantas requisições 3 clientes fazem por minuto, a cada 1 s?", [
        Choice("3", "Cada cliente pergunta 60 vezes por minuto."),
        Choice("180", "3 × 60 / 1.", correct=True),
    ])


def test_each_choice_has_its_own_comment():
    p = make()
    assert p.feedback(0) == "✘ Ainda não. Cada cliente pergunta 60 vezes por minuto."
    assert p.feedback(1) == "✔ Isso. 3 × 60 / 1."


def test_clicking_shows_the_comment_in_the_widget():
    p = make()
    buttons = p.widget.children[1:3]
    buttons[0].click()
    assert "Cada cliente pergunta" in p.widget.children[-1].value
    buttons[1].click()
    assert "3 × 60 / 1." in p.widget.children[-1].value and p.chosen == 1


def test_static_view_lists_question_and_choices():
    assert repr(make()).splitlines() == [
        "Preveja antes de rodar: Quantas requisições 3 clientes fazem por minuto, a cada 1 s?",
        "  A) 3", "  B) 180"]


def test_exactly_one_correct_choice():
    with pytest.raises(ValueError):
        Prediction("?", [Choice("a", "x", correct=True), Choice("b", "y", correct=True)])
    with pytest.raises(ValueError, match="entre 1 e 2"):
        make().feedback(5)
