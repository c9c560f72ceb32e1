"""Cada módulo declara __all__ e os pacotes reexportam o que importa aos notebooks."""

import importlib
import pkgutil

import pytest

import helpers

MODULES = sorted(info.name for info in pkgutil.walk_packages(helpers.__path__, "helpers.")
                 if not info.name.endswith("__main__"))


def test_the_package_has_subpackages_not_a_flat_list():
    top_level = [info.name for info in pkgutil.iter_modules(helpers.__path__) if not info.ispkg]
    assert sorted(top_level) == ["bench", "execute", "export", "slides", "spelling"]  # atalhos de python -m


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_its_names_exist(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} sem __all__"
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.{attr}"


PACKAGES = [n for n in MODULES if importlib.import_module(n).__file__.endswith("__init__.py")]


@pytest.mark.parametrize("name", ["helpers", *PACKAGES])
def test_packages_reexport_only_what_some_module_makes_public(name):
    package = importlib.import_module(name)
    public = {id(getattr(importlib.import_module(m), n)) for m in MODULES if m not in PACKAGES
              for n in importlib.import_module(m).__all__}
    assert all(id(getattr(package, n)) in public for n in package.__all__)


def test_package_reexports_exist():
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None


# os que ``curso.py`` chama com ``python -m``: tests/test_curso.py já roda o ``--help`` de cada um
# por ele (um subprocesso a menos por módulo); aqui basta conferir que o nome segue o mesmo
ROUTED_BY_CURSO = {"chat": "chat", "dns": "dns", "bench": "benchmark", "execute": "executar",
                   "slides": "slides", "export": "exportar"}


@pytest.mark.parametrize("name", ["chat", "dns", "bench", "execute", "export", "slides", "spelling"])
def test_the_python_dash_m_entry_points_keep_their_names(name):
    import pathlib
    import subprocess
    import sys

    if name in ROUTED_BY_CURSO:
        root = pathlib.Path(__file__).resolve().parent.parent
        sys.path.insert(0, str(root))
        try:
            import curso
        finally:
            sys.path.remove(str(root))
        command = ROUTED_BY_CURSO[name]
        if command == "exportar":  # rota própria em curso.main (escolhe os notebooks)
            assert '"-m", "helpers.export"' in (root / "curso.py").read_text(encoding="utf-8")
        else:
            assert curso.MODULES[command] == f"helpers.{name}"
        return
    out = subprocess.run([sys.executable, "-m", f"helpers.{name}", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("uso:"), out.stderr  # argparse em pt-BR
