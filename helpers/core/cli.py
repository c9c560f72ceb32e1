"""Linha de comando em português: o ``argparse`` da biblioteca padrão com os textos dele em pt-BR.

Todo ``python -m helpers.X`` (e ``python3 curso.py X``, que os chama) usa ``ArgumentParser``
daqui, para que ``--help`` e as mensagens de erro apareçam inteiros em português: o ``argparse``
escreve "usage:", "options:", "show this help message and exit" e "error:" em inglês.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["ArgumentParser", "HelpFormatter", "RawHelpFormatter"]


class HelpFormatter(argparse.HelpFormatter):
    """Formatador com "uso:" no lugar de "usage:"."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="uso: " if prefix is None else prefix)


class RawHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Como ``HelpFormatter``, mas mantém as quebras de linha da descrição e do epílogo."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` com ajuda e erros em pt-BR (``prog`` é obrigatório: é o
    comando que o aluno digita, por exemplo ``python3 curso.py chat``)."""

    def __init__(self, prog: str, *, formatter_class=HelpFormatter, **kwargs):
        super().__init__(prog=prog, formatter_class=formatter_class, add_help=False, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opções"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="mostra esta ajuda e sai")

    def error(self, message: str) -> NoReturn:
        for english, portuguese in _MESSAGES:
            message = message.replace(english, portuguese)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: erro: {message}\n")


# As mensagens do argparse que um aluno encontra ao errar a linha de comando.
_MESSAGES = (
    ("the following arguments are required:", "faltam os argumentos:"),
    ("unrecognized arguments:", "argumentos desconhecidos:"),
    ("expected one argument", "esperava um valor"),
    ("invalid int value:", "número inteiro inválido:"),
    ("invalid float value:", "número inválido:"),
    ("invalid choice:", "opção inválida:"),
    ("choose from", "escolha entre"),
    ("argument ", "argumento "),
)
