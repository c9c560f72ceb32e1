"""O corretor: soluções de referência passam; respostas erradas ganham dica sem a resposta."""

import pytest
from aiohttp import web

import helpers.exercises.ch01  # noqa: F401  (registra os corretores)
from helpers.exercises.grader import EXERCISES, Feedback, check, check_async
from solutions import ch01


def test_reference_solutions_pass():
    assert check("01.1", ch01.resposta_011).ok
    assert check("01.2", ch01.tamanho_do_envelope).ok


async def test_reference_async_solution_passes():
    assert (await check_async("01.3", ch01.eco)).ok


@pytest.mark.parametrize("answer, hint", [
    ("GET /hora HTTP/1.1\r\n\r\n", "bytes, não str"),
    (b"GET /hora HTTP/1.1\nHost: x\n\n", "\\r\\n"),
    (b"GET /hora HTTP/1.1\r\nHost: x\r\n", "linha em branco"),
    (b"get /hora HTTP/1.1\r\nHost: x\r\n\r\n", "GET"),
    (b"GET /data HTTP/1.1\r\nHost: x\r\n\r\n", "caminho"),
    (b"GET /hora HTTP/1.0\r\nHost: x\r\n\r\n", "HTTP/1.1"),
    (b"GET /hora HTTP/1.1\r\nConnection: close\r\n\r\n", "Host"),
    (b"GET /hora HTTP/1.1\r\nHost: x\r\n\r\n", "feche a conexão"),
])
def test_raw_request_hints(answer, hint):
    result = check("01.1", answer)
    assert not result.ok and hint in result.message
    assert "Connection: close" not in result.message  # a dica não entrega a resposta


def test_header_size_hints():
    assert "linha em branco" in check("01.2", lambda r: r.index(b"\r\n\r\n")).message
    assert "inteira" in check("01.2", len).message
    assert "primeira" in check("01.2", lambda r: r.rindex(b"\r\n\r\n") + 4).message
    assert "sem parênteses" in check("01.2", 42).message
    assert "inteiro" in check("01.2", lambda r: "10").message


async def test_echo_handler_hints():
    async def wrong_body(request):
        return web.Response(text="oi")

    async def crashes(request):
        raise RuntimeError("x")

    async def created(request):
        return web.Response(text=request.headers["User-Agent"], status=201)

    def not_async(request):
        return web.Response()

    assert "User-Agent" in (await check_async("01.3", wrong_body)).message
    assert "500" in (await check_async("01.3", crashes)).message
    assert "201" in (await check_async("01.3", created)).message
    assert "async def" in (await check_async("01.3", not_async)).message


def test_feedback_renders_in_portuguese_with_a_mark():
    assert str(Feedback(True, "Correto!")) == "✔ Correto!"
    assert "✘" in Feedback(False, "Ainda não.")._repr_html_()


def test_sync_check_refuses_async_exercises_clearly():
    with pytest.raises(TypeError, match="check_async"):
        check("01.3", ch01.eco)


def _all_solutions():
    """Importa os corretores (helpers/exercises/chNN.py) e as soluções (tests/solutions/chNN.py)."""
    import importlib
    import pathlib
    import pkgutil

    import helpers.exercises

    for info in pkgutil.iter_modules(helpers.exercises.__path__):
        if info.name.startswith("ch"):
            importlib.import_module(f"helpers.exercises.{info.name}")
    solutions = {}
    for path in sorted((pathlib.Path(__file__).parent / "solutions").glob("ch*.py")):
        solutions.update(importlib.import_module(f"solutions.{path.stem}").SOLUTIONS)
    return solutions


SOLUTIONS = _all_solutions()


def test_every_registered_exercise_has_a_reference_solution():
    assert set(EXERCISES) == set(SOLUTIONS)


@pytest.mark.parametrize("ident", sorted(SOLUTIONS))
async def test_each_reference_solution_is_accepted(ident):
    result = await check_async(ident, SOLUTIONS[ident])
    assert result.ok, result.message


def _public_values():
    """Cada nome público (``__all__``) de cada módulo do pacote: (onde, valor)."""
    import importlib
    import pkgutil

    import helpers

    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            yield f"{info.name}.{name}", getattr(module, name)


def _same(answer, value) -> bool:
    if callable(answer):
        code, other = getattr(answer, "__code__", None), getattr(value, "__code__", None)
        return code is not None and other is not None and (code.co_code, code.co_consts) == (
            other.co_code, other.co_consts)
    try:
        return bool(answer == value)
    except Exception:
        return False


def test_no_reference_solution_can_be_imported_from_the_package():
    public = list(_public_values())
    leaks = [(ident, where) for ident, answer in SOLUTIONS.items() for where, value in public
             if _same(answer, value)]
    assert leaks == []


def test_a_chapter_grader_is_found_without_importing_it_first():
    import subprocess
    import sys

    code = ("from helpers import check; import sys; "
            "print(check('04.1', None)); print('helpers.exercises.ch04' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "True" and "Ainda não" in out.stdout
