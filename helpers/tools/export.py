"""Exportação estática: o notebook vira uma página HTML que abre sem kernel e sem internet.

Introduzida no notebook 01 (para guardar e compartilhar o diagrama de uma requisição) e usada
no capítulo de apresentação, quando o instrutor projeta a aula a partir do HTML exportado
(sala sem internet, nenhum kernel rodando).

Como funciona
-------------
Um widget, no notebook salvo, é só uma referência (``application/vnd.jupyter.widget-view+json``
com um ``model_id``); o desenho é feito por JavaScript no navegador, a partir do estado do
modelo que o nbclient guarda nos metadados do notebook
(``metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]``). O HTML padrão do
nbconvert busca esse JavaScript (o "html-manager" dos widgets), o require.js, o MathJax e o
Mermaid em CDNs (unpkg, cdnjs): sem internet, a página fica sem os widgets.

Aqui, cada ``SequenceDiagram`` já tem o desenho completo no trait ``svg`` (feito em Python por
``helpers.widgets.diagram.render_svg``). O pré-processador ``StaticWidgetPreprocessor`` troca a
referência ao widget por esse SVG (``text/html`` dentro de ``<div class="curso-diagram-static">``),
com o **estado final** do diagrama (setas acrescentadas depois da exibição incluídas) e os
bytes de cada mensagem num ``<details>``, já que sem JavaScript não há clique. Os demais
widgets (sliders, botões...) caem na representação em texto (``text/plain``). O modelo de
página é o ``lab`` do nbconvert sem os blocos que carregam scripts de CDN; imagens são
embutidas (as de ``images/`` também, pelo ``InlineImagesPreprocessor``). Fórmulas em LaTeX
aparecem como texto (sem MathJax, que viria da internet).

O estado salvo só é final se quem executou o notebook o recebeu inteiro. O nbclient perde as
mudanças feitas por tarefas de fundo (um diagrama que segue um tap): por isso a execução para
exportar passa por ``execute_with_final_widget_state``, que no fim pede a cada widget vivo o
seu estado atual.

Uso::

    from helpers.tools.export import export_html
    export_html("notebooks/01-http.ipynb", "build/html/01-http.html")

ou, no terminal::

    python -m helpers.export notebooks/*.ipynb --out build/html
"""

from __future__ import annotations

import base64
import mimetypes
import os
import pathlib
import re
import shutil
import sys
from collections.abc import Sequence
from html import escape

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from ..core.cli import ArgumentParser

__all__ = [
    "IMAGE_ALT_BLOCK",
    "KERNEL_ONLY_NOTE",
    "OFFLINE_TEMPLATE",
    "STATIC_WIDGETS_CSS",
    "InlineImagesPreprocessor",
    "StaticLinksPreprocessor",
    "StaticWidgetPreprocessor",
    "execute_with_final_widget_state",
    "export_html",
    "main",
    "make_exporter",
]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# O visual do que o StaticWidgetPreprocessor escreve; o modelo dos slides (helpers.tools.slides)
# usa o mesmo.
STATIC_WIDGETS_CSS = """\
.curso-diagram-static { overflow-x: auto; margin: 4px 0; }
.curso-diagram-static svg { max-width: 100%; height: auto; }
.curso-diagram-bytes summary { cursor: pointer; color: #555; font-size: 12px; }
.curso-diagram-bytes pre { font-size: 12px; background: #f6f8fa; border: 1px solid #ddd;
  padding: 6px; max-height: 220px; overflow: auto; margin: 2px 0 8px; }
.curso-widget-static { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.curso-widget-static.vbox { flex-direction: column; }
"""

# Uma imagem de saída (os gráficos do matplotlib, ``helpers.widgets.plot``) ganha como texto alternativo
# o ``text/plain`` da mesma saída ("Gráfico: título"), para leitores de tela; sem isso, o nbconvert
# escreveria "No description has been provided for this image".
IMAGE_ALT_BLOCK = """\
{% block data_png scoped %}
{%- set alt = output.data.get('text/plain', '') -%}
{{ super() | replace('<img src=', '<img alt="' ~ (alt | escape_html) ~ '" src=', 1) if alt else super() }}
{%- endblock data_png %}
"""

# O modelo "lab" do nbconvert sem nada que venha de CDN: require.js, o gerenciador de widgets
# (unpkg), MathJax e Mermaid (cdnjs). O CSS do lab já vem embutido na página.
OFFLINE_TEMPLATE_NAME = "curso_offline.html.j2"
OFFLINE_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
""" + STATIC_WIDGETS_CSS + """</style>
{%- endblock extra_css -%}
""" + IMAGE_ALT_BLOCK

_BOXES = {"BoxModel": "", "HBoxModel": "", "GridBoxModel": "", "VBoxModel": " vbox"}


def _bytes_details(messages: list) -> str:
    items = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("kind") == "tcp":
            continue
        head = f"{i + 1}. {m.get('src', '?')} → {m.get('dst', '?')}: {m.get('label', '')} ({m.get('size', 0)} bytes)"
        items.append(
            f"<p class=\"head\">{escape(head)}</p>"
            f"<pre class=\"hex\">{escape(m.get('hex') or '(sem bytes)')}</pre>"
        )
    if not items:
        return ""
    return (
        f'<details class="curso-diagram-bytes"><summary>Bytes das mensagens ({len(items)})</summary>'
        + "".join(items)
        + "</details>"
    )


class StaticWidgetPreprocessor(Preprocessor):
    """Troca cada widget exibido pelo seu desenho final (SVG), ou pelo texto, se não houver.

    * saída cujo modelo tem um ``svg`` (o ``SequenceDiagram``): ganha ``text/html`` com o SVG;
    * caixa (``HBox``/``VBox``...) com algum diagrama dentro: os filhos lado a lado/empilhados;
    * qualquer outro widget: fica só o ``text/plain`` que o kernel já tinha produzido.

    Em todos os casos a referência ao widget sai da saída e o estado dos widgets sai dos
    metadados: a página não precisa (nem tenta) carregar o gerenciador de widgets.
    """

    def preprocess(self, nb, resources):
        widgets = nb.metadata.get("widgets", {})
        self._state = widgets.get(WIDGET_STATE, {}).get("state", {}) if isinstance(widgets, dict) else {}
        try:
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                for output in cell.get("outputs", []):
                    self._replace(output)
        finally:
            self._state = {}
        nb.metadata.pop("widgets", None)
        return nb, resources

    def _replace(self, output) -> None:
        data = output.get("data")
        if not data or WIDGET_VIEW not in data:
            return
        view = data.pop(WIDGET_VIEW)
        model_id = view.get("model_id") if isinstance(view, dict) else None
        html = self._render(model_id, set()) if model_id else None
        if html is not None:
            data["text/html"] = html
        elif not data:
            data["text/plain"] = "(widget: só funciona com o kernel rodando)"

    def _model(self, model_id: str) -> dict:
        entry = self._state.get(model_id)
        state = entry.get("state") if isinstance(entry, dict) else None
        return state if isinstance(state, dict) else {}

    def _render(self, model_id: str, seen: set[str]) -> str | None:
        """HTML estático de um modelo, ou ``None`` se não houver diagrama nele (nem dentro)."""
        if model_id in seen:  # um estado corrompido com ciclo não trava a exportação
            return None
        seen.add(model_id)
        state = self._model(model_id)
        svg = state.get("svg")
        if isinstance(svg, str) and svg.strip():
            return f'<div class="curso-diagram-static">{svg}{_bytes_details(state.get("messages") or [])}</div>'
        if state.get("_model_name") in ("HTMLModel", "HTMLMathModel") and "<svg" in str(state.get("value")):
            return f'<div class="curso-widget-static">{state["value"]}</div>'  # figuras em widgets.HTML
        box = _BOXES.get(state.get("_model_name", ""))
        if box is None:
            return None
        children = [c.removeprefix("IPY_MODEL_") for c in state.get("children", []) if isinstance(c, str)]
        parts = [(c, self._render(c, seen)) for c in children]
        if not any(html for _, html in parts):
            return None
        rendered = [html if html is not None else self._describe(c) for c, html in parts]
        return f'<div class="curso-widget-static{box}">{"".join(r for r in rendered if r)}</div>'

    def _describe(self, model_id: str) -> str:
        """Um filho de caixa sem desenho: o que dá para dizer dele sem JavaScript."""
        state = self._model(model_id)
        name = state.get("_model_name", "")
        value = state.get("value")
        if name in ("HTMLModel", "HTMLMathModel") and isinstance(value, str):
            return f"<div>{value}</div>"
        if not isinstance(value, (str, int, float, bool)):
            return ""
        label = state.get("description") or name.removesuffix("Model")
        return f"<div><code>{escape(str(label))}: {escape(str(value))}</code></div>"


class InlineImagesPreprocessor(Preprocessor):
    """Embute nas células de texto as imagens locais do curso (``![...](../images/x.svg)``).

    O ``embed_images`` do nbconvert só embute arquivos da pasta do próprio notebook, e as figuras
    ficam em ``images/``, ao lado de ``notebooks/``. Aqui vale qualquer arquivo dentro da pasta do
    curso (a pasta acima da do notebook); o resto (URLs, arquivos que não existem) fica como está.
    """

    MARKDOWN_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\))")
    HTML_IMAGE = re.compile(r"(<img\b[^>]*?\bsrc=[\"'])([^\"']+)([\"'])", re.I)

    def preprocess(self, nb, resources):
        folder = pathlib.Path(resources.get("metadata", {}).get("path") or ".").resolve()
        allowed = folder.parent

        def inline(m: re.Match) -> str:
            src = m[2]
            if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
                return m[0]
            path = (folder / src).resolve()
            if allowed not in path.parents or not path.is_file():
                return m[0]
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f"{m[1]}data:{mime};base64,{data}{m[3]}"

        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = self.HTML_IMAGE.sub(inline, self.MARKDOWN_IMAGE.sub(inline, cell.source))
        return nb, resources


ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNEL_ONLY_NOTE = "(funciona com o kernel rodando)"
# Um link para uma porta do kernel (``http://127.0.0.1:36627/``) não abre nada numa cópia estática.
_KERNEL_URL = r"(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\]):\d+[^\s\"'<>)]*"
_KERNEL_ANCHOR = re.compile(r"<a\b[^>]*?\bhref=[\"']" + _KERNEL_URL + r"[\"'][^>]*>(.*?)</a>", re.S | re.I)
_KERNEL_MD_LINK = re.compile(r"\[([^\]]*)\]\(" + _KERNEL_URL + r"\)")
_MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
_MD_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\))")
_CHAPTER = re.compile(r"^\d\d-[\w-]+\.ipynb$")
_PAGE = """<!DOCTYPE html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
line-height: 1.5; }} table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc;
padding: 4px 8px; }} pre, code {{ background: #f6f8fa; }} img {{ max-width: 100%; }}</style>
</head><body>
{body}
</body></html>
"""


def _inert(text: str) -> str:
    return f'<span class="curso-link-inerte">{text}</span> <em>{KERNEL_ONLY_NOTE}</em>'


def _is_relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target, re.I)


class StaticLinksPreprocessor(Preprocessor):
    """Links que continuam funcionando numa cópia estática (HTML exportado ou slides offline).

    Usa ``resources["curso_out"]`` (a pasta onde a página vai ficar) e
    ``resources["curso_suffix"]`` (``.html`` ou ``.slides.html``):

    * ``(01-http.ipynb#secao)`` vira ``(01-http.html#secao)``: a página do outro capítulo;
    * um arquivo do repositório (``../docs/glossario.md``) é publicado dentro da pasta de saída,
      no mesmo caminho relativo (``docs/glossario.html``, o Markdown vira HTML), e o link aponta
      para lá: copiar a pasta inteira leva tudo junto;
    * um link para uma porta do kernel (``http://127.0.0.1:36627/``), numa saída ou no texto,
      vira texto com a nota "(funciona com o kernel rodando)": sem kernel, não há servidor.
    """

    def preprocess(self, nb, resources):
        source_dir = pathlib.Path(resources.get("metadata", {}).get("path") or ".").resolve()
        out = resources.get("curso_out")
        suffix = resources.get("curso_suffix", ".html")
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                text = _KERNEL_MD_LINK.sub(lambda m: _inert(m[1]), cell.source)
                if out is not None:
                    text = relink_markdown(text, source_dir, pathlib.Path(out), suffix,
                                           here=pathlib.Path(out))
                cell.source = text
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = output.get("data", {})
                if "text/html" in data:
                    html_text = data["text/html"]
                    html_text = "".join(html_text) if isinstance(html_text, list) else html_text
                    data["text/html"] = _KERNEL_ANCHOR.sub(lambda m: _inert(m[1]), html_text)
                if "text/markdown" in data:
                    md = data["text/markdown"]
                    md = "".join(md) if isinstance(md, list) else md
                    data["text/markdown"] = _KERNEL_MD_LINK.sub(lambda m: _inert(m[1]), md)
        return nb, resources


def relink_markdown(text: str, source_dir: pathlib.Path, out: pathlib.Path, suffix: str,
                    here: pathlib.Path) -> str:
    """Os links relativos de ``text`` (escrito em ``source_dir``), acertados para uma página que
    fica em ``here``, dentro da cópia estática em ``out`` (ver ``StaticLinksPreprocessor``)."""

    def relink(m: re.Match) -> str:
        target = m[2]
        if not _is_relative(target):
            return m[0]
        path, _, anchor = target.partition("#")
        file = (source_dir / path).resolve()
        if _CHAPTER.match(file.name) and (path == file.name or file.is_file()):
            published = out / f"{file.stem}{suffix}"  # o capítulo vizinho, mesmo que ainda não exista
            if suffix == ".slides.html":
                anchor = ""  # o reveal.js não navega até um título pelo id: o link abre o começo
        elif ROOT in file.parents and file.is_file():
            published = publish(file, out, suffix)
        else:
            return m[0]
        href = pathlib.PurePath(os.path.relpath(published, here)).as_posix()
        return f"[{m[1]}]({href}{'#' + anchor if anchor else ''})"

    return _MD_LINK.sub(relink, text)


def publish(file: pathlib.Path, out: pathlib.Path, suffix: str) -> pathlib.Path:
    """Põe ``file`` (um arquivo do repositório) na cópia estática ``out``, no mesmo caminho
    relativo; Markdown vira uma página HTML com os links e imagens acertados. Devolve o destino."""
    from nbconvert.filters import markdown2html

    rel = file.relative_to(ROOT)
    target = out / rel
    if file.suffix.lower() != ".md":
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)
        return target
    target = target.with_suffix(".html")
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("", encoding="utf-8")  # marca como publicado (links circulares)
    text = file.read_text(encoding="utf-8")

    def image(m: re.Match) -> str:
        src = (file.parent / m[2]).resolve()
        if not _is_relative(m[2]) or ROOT not in src.parents or not src.is_file():
            return m[0]
        href = os.path.relpath(publish(src, out, suffix), target.parent)
        return f"{m[1]}{pathlib.PurePath(href).as_posix()}{m[3]}"

    text = relink_markdown(_MD_IMAGE.sub(image, text), file.parent, out, suffix, here=target.parent)
    title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), rel.stem)
    target.write_text(_PAGE.format(title=escape(title), body=markdown2html(text)), encoding="utf-8")
    return target


def make_exporter() -> HTMLExporter:
    """O ``HTMLExporter`` do curso: modelo ``lab`` sem CDN, imagens embutidas, widgets estáticos."""
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({OFFLINE_TEMPLATE_NAME: OFFLINE_TEMPLATE})],
        template_file=OFFLINE_TEMPLATE_NAME,
        embed_images=True,
        language_code="pt",  # o nbconvert só aceita ISO 639-1 (sem "-BR")
    )
    exporter.register_preprocessor(StaticWidgetPreprocessor(), enabled=True)
    exporter.register_preprocessor(InlineImagesPreprocessor(), enabled=True)
    exporter.register_preprocessor(StaticLinksPreprocessor(), enabled=True)
    return exporter


# Executada pelo nbclient depois da última célula (e retirada do notebook em seguida): reenvia o
# estado de cada widget vivo, para o nbclient gravar o estado *final*. Sem isso, mudanças feitas
# por tarefas de fundo (um diagrama que segue um tap, por exemplo) se perdem: o ipykernel as
# envia com o cabeçalho da célula que criou a tarefa, e o nbclient, ao esperar pela célula
# atual, descarta mensagens de outra célula.
FINAL_WIDGET_STATE_SOURCE = """\
def _curso_send_final_widget_state():
    import sys
    if "ipywidgets" not in sys.modules:
        return
    from ipywidgets.widgets import widget
    for w in list(getattr(widget, "_instances", {}).values()):
        if getattr(w, "comm", None) is not None:
            w.send_state()
_curso_send_final_widget_state()
del _curso_send_final_widget_state
"""


def execute_with_final_widget_state(
    nb: nbformat.NotebookNode,
    cwd: str | pathlib.Path,
    timeout: int = 120,
    kernel_name: str = "python3",
) -> nbformat.NotebookNode:
    """Executa ``nb`` (no lugar) com o nbclient, com ``cwd`` como pasta de trabalho do kernel, e
    grava nos metadados o estado **final** dos widgets (ver ``FINAL_WIDGET_STATE_SOURCE``).

    Use no lugar de ``NotebookClient(nb, ...).execute()`` sempre que o HTML exportado deva
    mostrar o último desenho.
    """
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    sync = new_code_cell(FINAL_WIDGET_STATE_SOURCE)
    nb.cells.append(sync)
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name=kernel_name, store_widget_state=True,
            resources={"metadata": {"path": str(cwd)}},
        ).execute()
    finally:
        nb.cells = [c for c in nb.cells if c.get("id") != sync.id]
    return nb


def export_html(
    notebook_path: str | pathlib.Path,
    output_path: str | pathlib.Path,
    *,
    execute: bool = False,
    timeout: int = 120,
) -> pathlib.Path:
    """Exporta ``notebook_path`` para ``output_path`` (HTML autossuficiente) e devolve o caminho.

    O notebook é lido do disco e não é alterado. Com ``execute=True`` ele é executado antes
    (nbclient, pasta do notebook como diretório de trabalho, ``timeout`` segundos por célula);
    sem isso, valem as saídas e o estado dos widgets já salvos nele.
    """
    notebook_path, output_path = pathlib.Path(notebook_path), pathlib.Path(output_path)
    nb = nbformat.read(notebook_path, as_version=4)
    if execute:
        execute_with_final_widget_state(nb, notebook_path.parent, timeout)
    body, _resources = make_exporter().from_notebook_node(
        nb, resources={"metadata": {"name": notebook_path.stem, "path": str(notebook_path.parent)},
                       "curso_out": str(output_path.parent), "curso_suffix": ".html"},
    )
    output_path.parent.mkdir(parents=True, exist_ok=True)
    output_path.write_text(body, encoding="utf-8")
    return output_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python3 curso.py exportar",
        description="Exporta notebooks para HTML estático (sem kernel, sem internet).",
    )
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="arquivos .ipynb")
    parser.add_argument("--out", default="build/html", metavar="PASTA",
                        help="pasta de saída (padrão: build/html)")
    parser.add_argument("--execute", action="store_true",
                        help="executa cada notebook antes de exportar (senão usa as saídas salvas)")
    parser.add_argument("--timeout", type=int, default=120, metavar="SEGUNDOS",
                        help="limite em segundos por célula, com --execute (padrão: 120)")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    for name in args.notebooks:
        path = pathlib.Path(name)
        if not path.is_file():
            print(f"Arquivo não encontrado: {path}", file=sys.stderr)
            return 2
        target = export_html(path, out / f"{path.stem}.html", execute=args.execute, timeout=args.timeout)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
