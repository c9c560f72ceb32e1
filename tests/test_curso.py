"""curso.py: os comandos que o README manda rodar, sem ativar o ambiente."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import curso  # noqa: E402


def test_testar_without_paths_runs_everything_and_passes_options_along():
    cmd = curso.test_command(pathlib.Path("py"), ["-k", "tap"])
    assert cmd[-4:] == ["tests", "notebooks", "-k", "tap"]


@pytest.mark.parametrize("args", [["tests/test_tap.py"], ["tests"], ["tests/test_tap.py::test_x", "-x"],
                                  ["notebooks/01-http.ipynb"]])
def test_testar_with_paths_runs_only_what_they_name(args):
    cmd = curso.test_command(pathlib.Path("py"), args)
    assert "notebooks" not in cmd[:-len(args)] and "tests" not in cmd[:-len(args)]
    assert cmd[-len(args):] == args


def test_abrir_serves_the_repository_root_and_lands_on_notebook_00(monkeypatch):
    monkeypatch.setattr(curso, "is_root", lambda: False)
    cmd = curso.lab_command(pathlib.Path("py"), ["--no-browser"])
    assert f"--ServerApp.root_dir={curso.ROOT}" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/00-boas-vindas.ipynb" in cmd
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--allow-root" not in cmd
    assert cmd[-1] == "--no-browser"
    assert (curso.ROOT / curso.FIRST_NOTEBOOK).is_file()


def test_abrir_as_root_passes_allow_root_once_with_a_notice(monkeypatch, capsys):
    monkeypatch.setattr(curso, "is_root", lambda: True)
    assert curso.lab_command(pathlib.Path("py"), []).count("--allow-root") == 1
    assert "root" in capsys.readouterr().out
    assert curso.lab_command(pathlib.Path("py"), ["--allow-root"]).count("--allow-root") == 1


def test_lab_environment_adds_the_course_jupyter_config(monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/algum/lugar")
    paths = curso.lab_env()["JUPYTER_CONFIG_PATH"].split(curso.os.pathsep)
    assert paths == [str(curso.JUPYTER_CONFIG), "/algum/lugar"]
    assert (curso.JUPYTER_CONFIG / "labconfig" / "default_setting_overrides.json").is_file()


@pytest.mark.parametrize("command", ["chat", "dns", "benchmark", "slides", "exportar", "executar"])
def test_every_command_has_a_complete_help_in_portuguese(command):
    done = subprocess.run([sys.executable, str(ROOT / "curso.py"), command, "--help"],
                          capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = done.stdout[done.stdout.find("uso: "):]  # depois das linhas "[curso] …" de uma instalação
    assert out.startswith(f"uso: python3 curso.py {command}"), out[:200]
    assert "opções:" in out and "mostra esta ajuda e sai" in out
    for english in ("usage:", "options:", "show this help"):
        assert english not in out
    # toda opção tem uma explicação (nenhuma linha de opção sozinha)
    lines = out.split("opções:", 1)[1].splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  -") and "  " not in line.strip():
            assert i + 1 < len(lines) and lines[i + 1].startswith(" " * 8), f"opção sem ajuda: {line}"


def test_unknown_command_and_bad_arguments_answer_in_portuguese():
    done = subprocess.run([sys.executable, str(ROOT / "curso.py"), "dns", "--port", "abc"],
                          capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "erro: argumento --port: número inteiro inválido" in done.stderr
    assert curso.main(["voar"]) == 2


def test_help_lists_every_command():
    for command in ("abrir", "testar", "chat", "dns", "slides", "exportar", "benchmark", "executar"):
        assert f"python3 curso.py {command}" in curso.__doc__


def test_the_whole_suite_runs_in_parallel_keeping_each_notebook_in_one_process():
    cmd = curso.test_command(pathlib.Path("py"), [])
    assert cmd[cmd.index("--dist") + 1] == "loadscope" and int(cmd[cmd.index("-n") + 1]) >= 2
    assert "-n" not in curso.test_command(pathlib.Path("py"), ["-n", "0"])[:-2]
    assert "-n" not in curso.test_command(pathlib.Path("py"), ["tests/test_tap.py"])


def test_the_suite_runs_without_the_iri_grammar_and_jsonschema_still_validates(monkeypatch):
    import os

    monkeypatch.setenv("PYTHONPATH", "outra")
    env = curso.test_env()
    assert env["PYTHONPATH"].split(os.pathsep) == [str(curso.NO_IRI), "outra"]
    code = ("import sys, jsonschema; assert 'rfc3987_syntax' not in sys.modules; "
            "assert not jsonschema.Draft202012Validator({'type': 'string'}).is_valid(3); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout == "ok\n", done.stderr


def test_executions_of_the_same_notebook_stay_in_one_process():
    import importlib.util

    spec = importlib.util.spec_from_file_location("conftest_raiz", ROOT / "conftest.py")
    root_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root_conftest)
    scopes = [root_conftest.scope_of(n) for n in [
        "notebooks/05-chat.ipynb::Cell 3",
        "tests/test_notebooks_rerun.py::test_notebook_runs_twice[05-chat.ipynb]",
        "tests/test_tap.py::test_x", "tests/test_curso.py::test_y[a]"]]
    assert scopes == ["caderno-05-chat", "caderno-05-chat", "tests/test_tap.py", "tests/test_curso.py"]
