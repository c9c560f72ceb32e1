"""Os exercícios: o corretor (``check``) e um módulo por capítulo com os corretores dele.
"""

from .grader import Feedback, Hint, check, check_async, exercise
from .predict import Choice, Prediction

__all__ = [
    "Choice",
    "Feedback",
    "Hint",
    "Prediction",
    "check",
    "check_async",
    "exercise",
]
