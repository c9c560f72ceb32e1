"""Cada módulo declara __all__ e o pacote reexporta o que importa aos notebooks."""

import importlib
import pkgutil

import helpers


def test_every_module_declares_all_and_its_names_exist():
    for info in pkgutil.iter_modules(helpers.__path__):
        module = importlib.import_module(f"helpers.{info.name}")
        assert hasattr(module, "__all__"), f"helpers.{info.name} sem __all__"
        for name in module.__all__:
            assert hasattr(module, name), f"helpers.{info.name}.{name}"


def test_package_reexports_exist():
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None
