"""Os desenhos e controles dos notebooks: diagrama de sequência, dissecador de frames, cascata do DNS, calculadora de custo, guia de decisão, gráficos.
"""

from .diagram import SequenceDiagram, render_svg
from .dissector import FrameDissector, explain
from .waterfall import Waterfall, format_duration, steps_from_marks
from .costcalc import PRESETS, CostCalculator, requests_per_minute, summary_rows
from .guide import DecisionGuide

__all__ = [
    "CostCalculator",
    "DecisionGuide",
    "FrameDissector",
    "PRESETS",
    "SequenceDiagram",
    "Waterfall",
    "explain",
    "format_duration",
    "render_svg",
    "requests_per_minute",
    "steps_from_marks",
    "summary_rows",
]
