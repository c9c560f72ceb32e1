"""Conferência do ambiente, mostrada no notebook 00 (Boas-vindas).

Compara as versões instaladas com as fixadas em ``requirements.txt`` (a mesma lista de
``environment.yml``) e diz, em português, o que está certo e o que pode dar problema.
"""

from __future__ import annotations

import pathlib
import sys
from importlib import metadata

__all__ = ["check_environment", "pinned_requirements"]

REQUIREMENTS = pathlib.Path(__file__).resolve().parent.parent / "requirements.txt"


def pinned_requirements(path: pathlib.Path = REQUIREMENTS) -> dict[str, str]:
    """``{"aiohttp": "3.14.5", ...}`` a partir das linhas ``nome==versão``."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
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
