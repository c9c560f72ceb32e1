"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and a real JupyterLab.

* ``browser``: Chromium from ``/usr/bin/chromium`` (``CURSO_CHROMIUM`` overrides the path); the
  tests skip, with the reason, when it is missing. Playwright never downloads a browser here.
* ``lab``: one JupyterLab per session on 127.0.0.1 with a token, quiet settings (no news or
  update pop-ups) and temporary config/data/runtime/settings/workspace dirs
  (``tests/jupyter_server.py``). Notebooks are *copied* to its root, never run in place.
* ``page``: a fresh browser context + page per test (1280×900).
* ``run_notebook_in_lab(page, name)``: opens ``name`` in the lab, waits for an idle kernel,
  clears the outputs, runs all cells (fails on a cell error) and returns the page. ``name`` is
  a notebook already in ``lab.root_dir`` or one from ``notebooks/`` (copied on first use).
* ``labdriver`` (plain functions): ``diagram_titled``, ``wait_for_count``, ``screenshot``
  (full-page PNG in ``artifacts/``, gitignored, checked non-trivial), ``open_notebook``,
  ``run_all_cells``.

Example, for a chapter notebook::

    from labdriver import diagram_titled, wait_for_count

    @pytest.mark.browser
    def test_notebook_01(page, run_notebook_in_lab):
        run_notebook_in_lab(page, "01-http.ipynb")
        diagram = diagram_titled(page, "Três requisições com Connection: close")
        wait_for_count(diagram.locator("g.msg.arrow"), 6)  # o número que o capítulo promete
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

from jupyter_server import JupyterServer, jupyter_server
from labdriver import NOTEBOOKS, VIEWPORT, open_notebook, run_all_cells

from helpers.tools.lab import CHROMIUM, CHROMIUM_ARGS



@pytest.fixture(scope="session")
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Chromium não encontrado em {CHROMIUM}: instale o pacote Debian 'chromium' "
            "(o .ci/run instala)"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium):
    # Module scope (not session): the sync API runs its own event loop, and stopping it before
    # the next module keeps it out of the way of pytest-asyncio's loops.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="pt-BR")
    context.set_default_timeout(20_000)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium) -> Iterator[JupyterServer]:
    """JupyterLab for the browser tests (not started at all when there is no browser)."""
    with jupyter_server(
        tmp_path_factory.mktemp("lab"),
        lab=True,
        extra_args=["--LabApp.expose_app_in_browser=True"],
        timeout=120,
    ) as server:
        yield server


@pytest.fixture
def run_notebook_in_lab(lab) -> Callable:
    def run(page, name: str, *, timeout_ms: int = 60_000):
        target = lab.root_dir / name
        if not target.exists():
            source = NOTEBOOKS / name
            if not source.exists():
                raise FileNotFoundError(f"{name} não está em {lab.root_dir} nem em {NOTEBOOKS}")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)  # never run the committed file in place
        open_notebook(page, lab, name, alone=True)  # sem reabrir (e subir kernels de) notebooks de testes anteriores
        run_all_cells(page, timeout_ms)
        return page

    return run
