"""Fixtures comuns: ``reg`` (um ``Registry`` que para tudo no fim do teste) e
``standalone_server`` (servidores avulsos em subprocessos). ``wait_until`` fica em ``support``."""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import start_standalone, stop_standalone  # noqa: E402  (depois do sys.path)

from helpers.core.lifecycle import Registry  # noqa: E402


@pytest.fixture
async def reg():
    """Um registro só deste teste; o que ficar de pé é parado no fim, passe o teste ou não."""
    registry = Registry()
    try:
        yield registry
    finally:
        await registry.stop_all()


@pytest.fixture
def standalone_server():
    """Fábrica: ``process, port = standalone_server("helpers.chat", "--port", "0", marker=...)``.

    Sobe ``python -m MÓDULO`` como o README manda e lê a porta com ``Process.wait_for_port``;
    para todos os processos no fim do teste.
    """
    started = []

    def start(module: str, *args: str, marker: str = "PORTA ", timeout: float = 30.0):
        process, port = start_standalone(module, *args, marker=marker, timeout=timeout)
        started.append(process)
        return process, port

    try:
        yield start
    finally:
        for process in reversed(started):
            stop_standalone(process)

