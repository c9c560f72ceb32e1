"""Driving JupyterLab and checking what Chromium shows (used by tests/browser/conftest.py and tests).

Plain functions, importable from test modules (``from labdriver import diagram_titled``).
"""

from __future__ import annotations

import pathlib
import struct

from jupyter_server import JupyterServer

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts"
VIEWPORT = {"width": 1280, "height": 900}

__all__ = ["diagram_titled", "open_notebook", "run_all_cells", "screenshot", "wait_for_count"]


_KERNEL_IDLE = """(name) => {
  const app = window.jupyterapp;
  if (!app) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== name || !w.context.isReady) return false;
  const kernel = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === "idle" && w.content.widgets.length > 0;
}"""

_RUN_ALL = """async ({ timeoutMs }) => {
  const app = window.jupyterapp;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`run-all-cells passou de ${timeoutMs} ms`)), timeoutMs));
  // resolves when every cell has run: true if none failed
  return await Promise.race([app.commands.execute("notebook:run-all-cells"), timeout]);
}"""

_FIRST_ERROR = """() => {
  // What went wrong, read from the notebook on screen (its model, not the DOM: hidden tabs of
  // other notebooks may hold outputs too): the first error output with its traceback, else the
  // first code cell that did not run, and the kernel's status.
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.context) return "nenhum notebook na tela";
  const kernel = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  const status = `kernel: ${kernel ? kernel.status : "nenhum"}`;
  const strip = (s) => s.replace(/\\u001b\\[[0-9;]*m/g, "");
  const cells = w.context.model.toJSON().cells;
  for (const [i, cell] of cells.entries()) {
    for (const out of cell.outputs || []) {
      if (out.output_type === "error") {
        const tb = strip((out.traceback || []).join("\\n")).slice(-3000);
        return `${status}; célula ${i}: ${out.ename}: ${out.evalue}\\n${tb}`;
      }
    }
  }
  const idle = cells.findIndex((c) => c.cell_type === "code" && c.execution_count === null);
  return idle < 0 ? `${status}; nenhuma célula com erro` : `${status}; a célula ${idle} não rodou`;
}"""


def open_notebook(page, lab: JupyterServer, name: str, timeout_ms: int = 40_000) -> None:
    """Opens ``name`` (relative to the lab root) and waits until its kernel is idle."""
    page.goto(f"{lab.url('lab/tree/' + name)}?token={lab.token}", wait_until="domcontentloaded")
    page.wait_for_function(_KERNEL_IDLE, arg=name, timeout=timeout_ms, polling=200)


def run_all_cells(page, timeout_ms: int = 60_000) -> None:
    ok = page.evaluate(_RUN_ALL, {"timeoutMs": timeout_ms})
    if ok is not True:
        raise AssertionError(f"uma célula falhou em run-all-cells:\n{page.evaluate(_FIRST_ERROR)}")


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
