"""Os exercícios: o corretor (``check``) e um módulo por capítulo com os corretores dele.
"""

from .grader import Feedback, Hint, check, check_async, exercise

__all__ = [
    "Feedback",
    "Hint",
    "check",
    "check_async",
    "exercise",
]
