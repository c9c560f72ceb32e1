#!/usr/bin/env python3
"""Prepara o ambiente do curso e o abre, testa, executa ou exporta. Só precisa de Python ≥ 3.11.

    python3 curso.py abrir      # cria .venv (se preciso), instala tudo e abre o JupyterLab no notebook 00
    python3 curso.py testar     # cria .venv (se preciso), instala tudo e roda todos os testes
    python3 curso.py executar   # (mantenedores) reexecuta os notebooks e grava as saídas
    python3 curso.py exportar   # exporta os notebooks para HTML estático em build/html
    python3 curso.py slides     # exporta os notebooks para slides offline em build/slides

No Windows, troque ``python3`` por ``py``. Com ``CURSO_SEM_VENV=1`` (por exemplo, num ambiente
conda já ativado com environment.yml) nada é criado: usa-se o Python atual.
Argumentos extras de ``testar`` vão para o pytest (ex.: ``python3 curso.py testar -k tap``).
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".curso-instalado"
FIRST_NOTEBOOK = "notebooks/00-boas-vindas.ipynb"

TEST_ARGS = [
    "-m", "pytest",
    "--nbval", "--nbval-current-env",
    "--nbval-sanitize-with", "tests/sanitize.cfg",
    "--nbval-cell-timeout", "120",
    "-p", "no:cacheprovider",
    "tests", "notebooks",
]


def say(msg: str) -> None:
    print(f"[curso] {msg}", flush=True)


def venv_python() -> pathlib.Path:
    if os.environ.get("CURSO_SEM_VENV"):
        return pathlib.Path(sys.executable)
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def wanted_stamp() -> str:
    h = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def ensure_env() -> pathlib.Path:
    """Cria o ambiente isolado e instala as dependências fixadas, só quando algo mudou."""
    if sys.version_info < (3, 11):
        sys.exit("[curso] É preciso Python 3.11 ou mais novo (você está usando "
                 f"{sys.version.split()[0]}).")
    python = venv_python()
    stamp = STAMP if not os.environ.get("CURSO_SEM_VENV") else None
    if stamp is not None and stamp.exists() and stamp.read_text() == wanted_stamp() and python.exists():
        return python
    if not os.environ.get("CURSO_SEM_VENV") and not python.exists():
        say(f"criando o ambiente isolado em {VENV.name}/ …")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("instalando as dependências fixadas (requirements.txt) e o pacote helpers …")
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(ROOT / "requirements.txt"), "-e", str(ROOT)], check=True)
    if stamp is not None:
        stamp.write_text(wanted_stamp())
    return python


def run(python: pathlib.Path, args: list[str]) -> int:
    return subprocess.run([str(python), *args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "ajuda"
    rest = argv[1:]
    if command in ("abrir", "lab"):
        python = ensure_env()
        say("abrindo o JupyterLab (Ctrl+C aqui encerra) …")
        return run(python, ["-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", *rest, FIRST_NOTEBOOK])
    if command in ("testar", "test"):
        python = ensure_env()
        return run(python, [*TEST_ARGS, *rest])
    if command in ("executar", "run"):
        python = ensure_env()
        return run(python, ["-m", "helpers.execute", *(rest or sorted(
            str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))])
    if command in ("exportar", "export"):
        python = ensure_env()
        notebooks = sorted(str(p) for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
        return run(python, ["-m", "helpers.export", *notebooks, "--out", "build/html", *rest])
    if command in ("slides", "apresentar"):
        python = ensure_env()
        return run(python, ["-m", "helpers.slides", *rest])
    print(__doc__)
    return 0 if command in ("ajuda", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
