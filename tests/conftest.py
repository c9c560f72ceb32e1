"""Fixtures comuns: ``reg`` (um ``Registry`` que para tudo no fim do teste),
``standalone_server`` (servidores avulsos em subprocessos) e ``chapter_decks`` (os slides offline
de todos os capítulos, gerados uma vez por ``testar``). ``wait_until`` fica em ``support``."""

import os
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


def shared_build(tmp_path_factory, name: str, build) -> pathlib.Path:
    """Uma pasta cara de gerar, feita uma vez por execução da suíte e só lida pelos testes.

    Com o pytest-xdist, cada processo tem a sua pasta temporária, mas todas ficam dentro da mesma
    pasta da sessão (``getbasetemp().parent``): é lá que a pasta pronta mora. Quem precisa dela e
    não a acha gera numa pasta só sua e a renomeia para o lugar (renomear uma pasta é atômico);
    se outro processo chegou antes, a cópia dele vale e a nossa fica para trás. Ninguém espera
    ninguém, e ninguém vê uma pasta pela metade.
    """
    session = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session = session.parent
    final = session / name
    if final.is_dir():
        return final
    mine = tmp_path_factory.mktemp(name) / name
    build(mine)
    try:
        mine.rename(final)
    except OSError:
        if not final.is_dir():
            raise
    return final


@pytest.fixture(scope="session")
def chapter_decks(tmp_path_factory) -> pathlib.Path:
    """Os slides offline de todos os capítulos (``python3 curso.py slides``), ~8 s de CPU para gerar:
    uma vez por execução, para tests/test_slides_export.py, tests/test_static_links.py e
    tests/browser/test_slides_offline.py. Os testes só leem esta pasta."""
    from helpers.tools.slides import chapter_notebooks, export_all

    return shared_build(tmp_path_factory, "slides-de-todos-os-capitulos",
                        lambda out: export_all(chapter_notebooks(), out))
