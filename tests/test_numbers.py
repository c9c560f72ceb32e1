"""helpers.core.numbers: os números que o aluno lê, com vírgula decimal e ponto nos milhares."""

import pytest

from helpers.core.numbers import decimal, short
from helpers.widgets import costcalc, plot


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (14_400_000, 0, "14.400.000"), (166.666, 1, "166,7"), (1234.5, 2, "1.234,50"), (0, 0, "0"),
    (-2500, 0, "-2.500"), (999.96, 1, "1.000,0"),
])
def test_decimal_has_fixed_places(value, decimals, text):
    assert decimal(value, decimals) == text


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (1.5, "1,5"), (2.0, "2"), (9.96, "10"), (12.4, "12"), (3400, "3.400"), (1_234_567, "1.234.567"),
    (0.0234, "0,023"), (0.0012, "0,0012"), (0.5, "0,5"), (-1500, "-1.500"),
    (6.2e-07, "0"), (-4e-5, "0"),  # nada de 6,2e-07 numa frase para o aluno
])
def test_short_keeps_only_the_precision_that_counts(value, text):
    assert short(value) == text


def test_the_widgets_use_this_one_home():
    assert plot.format_number is short and costcalc.format_number is decimal
