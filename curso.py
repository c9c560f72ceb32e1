#!/usr/bin/env python3
"""Prepara o ambiente do curso e o abre, testa, executa, exporta, ou roda os servidores dele.
Só precisa de Python ≥ 3.11 (nada além da biblioteca padrão).

Para todos:
    python3 curso.py abrir       cria .venv (se preciso), instala tudo e abre o JupyterLab no notebook 00
    python3 curso.py testar      cria .venv (se preciso), instala tudo e roda todos os testes
    python3 curso.py chat        o chat do capítulo 05 fora do notebook (modo sala de aula: --help)
    python3 curso.py dns         o servidor DNS do capítulo 02 fora do notebook
    python3 curso.py slides      slides offline (reveal.js, sem kernel e sem internet) em build/slides
    python3 curso.py exportar    HTML estático dos notebooks em build/html
    python3 curso.py benchmark   mede o curso nesta máquina e grava docs/benchmark.md

Para mantenedores:
    python3 curso.py executar    reexecuta os notebooks e grava as saídas

Cada comando aceita --help (ex.: python3 curso.py chat --help). No Windows, troque ``python3``
por ``py``. Nenhum comando precisa do ambiente ativado: todos usam o Python de .venv/.
Com ``CURSO_SEM_VENV=1`` (por exemplo, num ambiente conda já ativado com environment.yml) nada é
criado: usa-se o Python atual.

``testar`` passa o resto ao pytest. Se algum argumento nomeia um arquivo ou pasta
(``python3 curso.py testar tests/test_tap.py``), roda só o que ele nomeia; senão roda tudo
(``python3 curso.py testar -k tap`` filtra o conjunto inteiro).
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
INSTALL_LOG = VENV / "instalacao.log"
FIRST_NOTEBOOK = "notebooks/00-boas-vindas.ipynb"
# Configuração do Jupyter que vem com o curso (ex.: sem o pop-up de notícias num perfil novo).
JUPYTER_CONFIG = ROOT / "jupyter-config"

TEST_PATHS = ["tests", "notebooks"]
# Só nos testes, no começo do PYTHONPATH: ver tests/sem_iri/rfc3987_syntax.py.
NO_IRI = ROOT / "tests" / "sem_iri"
TEST_ARGS = [
    "-m", "pytest",
    "--nbval", "--nbval-current-env",
    "--nbval-sanitize-with", "tests/sanitize.cfg",
    "--nbval-cell-timeout", "120",
    "-p", "no:cacheprovider",
]

# comando → módulo que ele roda com o Python do ambiente do curso
MODULES = {
    "chat": "helpers.chat",
    "dns": "helpers.dns",
    "benchmark": "helpers.bench",
    "slides": "helpers.slides",
    "executar": "helpers.execute",
}
ALIASES = {"lab": "abrir", "test": "testar", "run": "executar", "export": "exportar",
           "apresentar": "slides", "bench": "benchmark"}


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


def _pip(python: pathlib.Path, args: list[str], log) -> None:
    """Roda o pip com a saída no log; se falhar, mostra o fim do log e sai."""
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        log.close()
        tail = INSTALL_LOG.read_text("utf-8", "replace").splitlines()[-30:]
        print("\n".join(tail), file=sys.stderr)
        sys.exit(f"[curso] a instalação falhou (log completo em {INSTALL_LOG}). Sem internet, "
                 "ou atrás de um proxy? Veja “Problemas comuns” no README.")


def ensure_env() -> pathlib.Path:
    """Cria o ambiente isolado e instala as dependências fixadas, só quando algo mudou."""
    if sys.version_info < (3, 11):
        sys.exit("[curso] É preciso Python 3.11 ou mais novo (você está usando "
                 f"{sys.version.split()[0]}).")
    python = venv_python()
    if os.environ.get("CURSO_SEM_VENV"):
        return python
    if STAMP.exists() and STAMP.read_text() == wanted_stamp() and python.exists():
        return python
    if not python.exists():
        say(f"criando o ambiente isolado em {VENV.name}/ …")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("instalando as dependências fixadas (requirements.txt) e o pacote helpers; na primeira "
        "vez leva um ou dois minutos …")
    with open(INSTALL_LOG, "w", encoding="utf-8") as log:
        _pip(python, ["--upgrade", "pip"], log)
        _pip(python, ["-r", str(ROOT / "requirements.txt"), "-e", str(ROOT)], log)
    STAMP.write_text(wanted_stamp())
    say("ambiente pronto.")
    return python


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(python: pathlib.Path, rest: list[str]) -> list[str]:
    """O JupyterLab servindo a raiz do repositório (assim ``../images`` e ``../docs`` dos
    notebooks funcionam) e abrindo no notebook 00, também pela URL que ele imprime."""
    args = [
        str(python), "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={ROOT}",
        f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
    ]
    if is_root() and "--allow-root" not in rest:
        say("você está como root (comum em Docker e em máquinas de laboratório): "
            "o Jupyter vai rodar com --allow-root.")
        args.append("--allow-root")
    return [*args, *rest]


def lab_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(JUPYTER_CONFIG), *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def test_env() -> dict[str, str]:
    """O ambiente da suíte: o de quem chamou, com ``NO_IRI`` na frente do ``PYTHONPATH`` (cada
    processo do Jupyter que a suíte sobe deixa de gastar ≈ 1,8 s montando uma gramática que nenhum
    teste usa)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(NO_IRI), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))])
    return env


def names_a_path(arg: str) -> bool:
    """``tests/test_tap.py``, ``notebooks``, ``tests/test_tap.py::test_x``: argumentos que
    escolhem o que o pytest coleta (opções como ``-k tap`` não)."""
    if arg.startswith("-"):
        return False
    return (ROOT / arg.split("::", 1)[0]).exists()


def workers() -> list[str]:
    """Processos do pytest-xdist: a suíte passa boa parte do tempo esperando kernels, navegadores
    e subprocessos subirem, então até 4 processos rendem mesmo com 2 núcleos. Quem fica junto
    num processo é o ``conftest.py`` da raiz que decide (cada arquivo; cada caderno)."""
    return ["-n", str(min(4, max(2, (os.cpu_count() or 1) + 1))), "--dist", "loadscope"]


def test_command(python: pathlib.Path, rest: list[str]) -> list[str]:
    paths = [] if any(names_a_path(a) for a in rest) else TEST_PATHS
    chosen = any(a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses="))
                 for a in rest)
    parallel = [] if chosen or paths == [] else workers()
    return [str(python), *TEST_ARGS, *parallel, *paths, *rest]


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    try:
        return subprocess.run(cmd, cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 130


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "ajuda"
    command = ALIASES.get(command, command)
    rest = argv[1:]
    if command in ("ajuda", "-h", "--help"):
        print(__doc__)
        return 0
    if command == "abrir":
        cmd = lab_command(ensure_env(), rest)
        say("abrindo o JupyterLab no notebook 00. Se o navegador não abrir sozinho, copie a "
            "URL com ?token= que aparece abaixo. Ctrl+C aqui encerra.")
        return run(cmd, env=lab_env())
    if command == "testar":
        return run(test_command(ensure_env(), rest), env=test_env())
    if command == "exportar":
        python = ensure_env()
        if "-h" in rest or "--help" in rest:
            return run([str(python), "-m", "helpers.export", *rest])
        notebooks = [] if any(a.endswith(".ipynb") for a in rest) else sorted(
            str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
        return run([str(python), "-m", "helpers.export", *notebooks, *rest])
    if command == "executar" and not rest:
        rest = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if command in MODULES:
        return run([str(ensure_env()), "-m", MODULES[command], *rest])
    print(f"[curso] comando desconhecido: {command}\n")
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
