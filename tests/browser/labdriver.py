"""Driving JupyterLab and checking what Chromium shows (used by tests/browser/conftest.py and tests).

Plain functions, importable from test modules (``from labdriver import diagram_titled``).
"""

from __future__ import annotations

import pathlib
import struct

import nbformat

from helpers.tools.lab import _KERNEL_IDLE, VIEWPORT, first_error, open_notebook, run_all_cells  # noqa: F401 (re-exported)

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts"

__all__ = ["cell_index", "diagram_titled", "figure_drawn", "go_to_cell", "on_screen", "open_notebook", "run_all_cells",
           "screenshot", "start_deck", "wait_for_count"]


def wait_for_count(locator, n: int, timeout_ms: int = 20_000) -> None:
    """Waits until ``locator`` matches at least ``n`` elements (attached, not necessarily visible:
    SVG lines have empty boxes), then checks it is exactly ``n``."""
    if n > 0:
        locator.nth(n - 1).wait_for(state="attached", timeout=timeout_ms)
    count = locator.count()
    assert count == n, f"esperava {n}, achei {count}"


def diagram_titled(page, title: str):
    """The ``.curso-seq`` widget whose SVG is labelled ``title``."""
    return page.locator(".curso-seq").filter(has=page.locator(f'svg[aria-label="{title}"]'))


def chart_images(page):
    """The chart images (PNG outputs, e.g. from ``helpers.widgets.plot``) of the notebook on screen; the
    lab may keep notebooks from earlier tests open in hidden tabs."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedImage img")


def _png_size(path: pathlib.Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} não é PNG"
    return struct.unpack(">II", head[16:24])


def screenshot(page, name: str, min_bytes: int = 20_000) -> pathlib.Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    width, height = _png_size(path)
    assert width >= VIEWPORT["width"] // 2 and height >= VIEWPORT["height"] // 2, (width, height)
    assert path.stat().st_size >= min_bytes, f"captura suspeita (quase vazia): {path}"
    return path


# Slides ao vivo (jupyterlab-slideshow): o deck apresenta o próprio notebook, no lugar.

def start_deck(page, cell: int = 0) -> None:
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", cell)
    page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
    page.wait_for_selector("body[data-jp-deck-mode='presenting']", state="attached")


def go_to_cell(page, index: int) -> None:
    """O deck acompanha a célula ativa (é o que as setas do teclado mudam)."""
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)
    page.wait_for_function(
        "(i) => window.jupyterapp.shell.currentWidget.content.activeCellIndex === i", arg=index)


def on_screen(locator) -> dict:
    locator.wait_for(state="visible")
    box = locator.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 20, box
    assert 0 <= box["y"] < VIEWPORT["height"] and box["x"] < VIEWPORT["width"], f"fora da tela: {box}"
    return box


def figure_drawn(page, img) -> None:
    """A figura carregou (``naturalWidth > 0``) e aparece com tamanho na tela."""
    img.scroll_into_view_if_needed()
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    box = img.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150, box


def cell_index(path, text: str) -> int:
    nb = nbformat.read(path, as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and text in c.source)
