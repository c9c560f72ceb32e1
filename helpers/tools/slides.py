"""Slides offline: cada notebook vira uma apresentação reveal.js que abre sem kernel e sem internet.

Apresentado no notebook 00 (seção "Para instrutores"). É o caminho para a sala sem internet ou o
projetor sem Python: ``python3 curso.py slides`` gera ``build/slides/`` com um
``NN-nome.slides.html`` por capítulo, um ``index.html`` com a lista e a pasta ``reveal/``. Copie a
pasta inteira (um pendrive serve) e abra ``index.html`` em qualquer navegador.

O que a exportação padrão do nbconvert faz (``jupyter nbconvert --to slides``) e por que não
serve aqui: a página busca o reveal.js, o jQuery, o require.js, o MathJax, o Mermaid e o
gerenciador de widgets em CDNs; sem internet, nada anda, e os widgets não aparecem.

Aqui:

* o reveal.js (5.x, MIT) vem de ``helpers/static/reveal/``, copiado para ``reveal/`` ao lado
  dos slides (``scripts/vendor_reveal.py`` explica de onde vêm os arquivos);
* cada widget aparece no **estado final** salvo no notebook, sem JavaScript de widgets: o
  ``StaticWidgetPreprocessor`` de ``helpers.tools.export`` troca o diagrama de sequência, o
  dissecador de frames e a cascata de tempos pelo SVG do trait ``svg``; barras de progresso,
  sliders e widgets ``HTML`` viram o HTML equivalente, parado no valor final; os demais widgets
  viram o texto que o kernel imprimiu;
* as imagens do notebook (``../images/...``) vão embutidas na página
  (``InlineImagesPreprocessor``, de ``helpers.tools.export``);
* um link para outro capítulo (``01-http.ipynb``) vira link para o slide dele
  (``01-http.slides.html``); os documentos do curso que os notebooks citam (o glossário) são
  publicados dentro da pasta dos slides (``docs/glossario.html``), e links para portas do kernel
  viram texto com a nota "(funciona com o kernel rodando)" (``StaticLinksPreprocessor``, de
  ``helpers.tools.export``): copiar a pasta inteira leva tudo junto;
* a metadata de slide de cada célula vale: *slide*, *subslide* (para baixo), *fragment*
  (aparece no próximo clique), *skip* (fica de fora) e *notes* (notas do apresentador: tecla
  **S** abre a visão do apresentador, com as notas e o próximo slide).

Uso::

    python -m helpers.slides                       # todos os notebooks/NN-*.ipynb
    python -m helpers.slides notebooks/01-http.ipynb --out build/slides
"""

from __future__ import annotations

import html
import pathlib
import re
import shutil
import sys
from collections.abc import Sequence

import nbformat
from jinja2 import DictLoader
from nbconvert import SlidesExporter
from nbconvert.preprocessors import Preprocessor

from ..core.cli import ArgumentParser
from .export import (
    IMAGE_ALT_BLOCK,
    STATIC_WIDGETS_CSS,
    InlineImagesPreprocessor,
    StaticLinksPreprocessor,
    StaticWidgetPreprocessor,
)

__all__ = [
    "REVEAL_DIR",
    "SLIDES_TEMPLATE",
    "SimpleWidgetPreprocessor",
    "chapter_notebooks",
    "export_all",
    "export_slides",
    "main",
    "make_slides_exporter",
    "slides_name",
]

ROOT = pathlib.Path(__file__).resolve().parents[2]
REVEAL_DIR = pathlib.Path(__file__).resolve().parents[1] / "static" / "reveal"
REVEAL_FILES = ("reveal.js", "reveal.css", "white.css", "notes.js", "LICENSE", "VERSION")
CHAPTER = re.compile(r"^\d\d-[\w-]+\.ipynb$")

SLIDES_TEMPLATE_NAME = "curso_slides.html.j2"
# O modelo "reveal" do nbconvert com tudo o que vinha de CDN trocado por arquivos locais (ou
# retirado: jQuery, require.js, MathJax, Mermaid, gerenciador de widgets).
SLIDES_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block header -%}
<!DOCTYPE html>
<html lang="pt-BR">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
{% set nb_title = nb.metadata.get('title', resources['metadata']['name']) | escape_html_keep_quotes %}
<title>{{ nb_title }} · slides</title>
<link rel="stylesheet" href="reveal/reveal.css">
{% for css in resources.inlining.css -%}
<style type="text/css">
{{ css }}
</style>
{% endfor %}
{{ resources.include_css("static/index.css") }}
{{ resources.include_css("static/theme-light.css") }}
<style type="text/css">
a.anchor-link { display: none; }
.highlight { margin: 0.4em; }
.jp-Notebook { padding: 0; }
:root {
  --jp-ui-font-size1: 20px;
  --jp-content-font-size1: 20px;
  --jp-code-font-size: 17px;
  --jp-cell-prompt-width: 0px;
}
</style>
{{ resources.include_css("static/custom_reveal.css") }}
<link rel="stylesheet" href="reveal/white.css" id="theme">
<style type="text/css">
.reveal { font-family: var(--jp-content-font-family); }
.reveal h1, .reveal h2, .reveal h3 { font-family: var(--jp-content-font-family);
  text-transform: none; }
.reveal .slides section { height: 100%; overflow-y: auto; overflow-x: hidden; }
.reveal .slides section > section { padding: 0 8px; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
""" + STATIC_WIDGETS_CSS + """\
.curso-diagram-bytes summary { font-size: 14px; }
.reveal section img { max-height: 520px; }
.curso-widget-simple { display: flex; gap: 12px; align-items: center; margin: 6px 0; }
.curso-widget-simple progress, .curso-widget-simple input { width: 320px; }
</style>
</head>
{%- endblock header -%}

{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<main>
<div class="reveal">
<div class="slides">
{%- endblock body_header -%}

{%- block body_footer -%}
</div>
</div>
</main>
<script src="reveal/reveal.js"></script>
<script src="reveal/notes.js"></script>
<script>
Reveal.initialize({
  controls: true,
  progress: true,
  hash: true,
  center: false,
  transition: "none",
  slideNumber: "c/t",
  width: 1280,
  height: 800,
  margin: 0.04,
  plugins: [RevealNotes],
});
</script>
</body>
{%- endblock body_footer -%}

{%- block footer -%}
</html>
{%- endblock footer -%}
""" + IMAGE_ALT_BLOCK


def slides_name(notebook: str | pathlib.Path) -> str:
    """``01-http.ipynb`` → ``01-http.slides.html``."""
    return f"{pathlib.Path(notebook).stem}.slides.html"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _simple_widget_html(state: dict) -> str | None:
    """Barra de progresso, slider, texto ou HTML no valor final, sem JavaScript (ou ``None``)."""
    name = state.get("_model_name", "")
    value, label = state.get("value"), html.escape(str(state.get("description") or ""))
    if name in ("HTMLModel", "HTMLMathModel") and isinstance(value, str):
        return f'<div class="curso-widget-simple curso-widget-html"><label>{label}</label>{value}</div>'
    if name == "LabelModel" and isinstance(value, str):
        return f'<div class="curso-widget-simple"><label>{label}</label>{html.escape(value)}</div>'
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if name in ("IntProgressModel", "FloatProgressModel"):
        low, high = state.get("min", 0), state.get("max", 100)
        control = (f'<progress value="{value - low}" max="{high - low}"></progress>'
                   f"<span>{value} / {high}</span>")
    elif name in ("IntSliderModel", "FloatSliderModel"):
        low, high = state.get("min", 0), state.get("max", 100)
        control = (f'<input type="range" disabled min="{low}" max="{high}" value="{value}">'
                   f"<span>{value}</span>")
    else:
        return None
    return f'<div class="curso-widget-simple"><label>{label}</label>{control}</div>'


class SimpleWidgetPreprocessor(Preprocessor):
    """Barras de progresso, sliders, ``HTML`` e ``Label`` exibidos sozinhos viram HTML no valor
    final (o ``StaticWidgetPreprocessor``, que roda depois, cuida dos diagramas e do resto)."""

    def preprocess(self, nb, resources):
        widgets = nb.metadata.get("widgets", {})
        state = widgets.get(WIDGET_STATE, {}).get("state", {}) if isinstance(widgets, dict) else {}
        for cell in nb.cells:
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                view = output.get("data", {}).get(WIDGET_VIEW)
                model = state.get(view.get("model_id"), {}) if isinstance(view, dict) else {}
                snippet = _simple_widget_html(model.get("state") or {}) if isinstance(model, dict) else None
                if snippet:
                    output["data"].pop(WIDGET_VIEW)
                    output["data"]["text/html"] = snippet
        return nb, resources


def make_slides_exporter() -> SlidesExporter:
    """O ``SlidesExporter`` do curso: reveal.js local, widgets estáticos, imagens embutidas."""
    exporter = SlidesExporter(
        extra_loaders=[DictLoader({SLIDES_TEMPLATE_NAME: SLIDES_TEMPLATE})],
        template_file=SLIDES_TEMPLATE_NAME,
        embed_images=True,
        language_code="pt",
        reveal_url_prefix="reveal",
    )
    exporter.register_preprocessor(SimpleWidgetPreprocessor(), enabled=True)
    exporter.register_preprocessor(StaticWidgetPreprocessor(), enabled=True)
    exporter.register_preprocessor(StaticLinksPreprocessor(), enabled=True)
    exporter.register_preprocessor(InlineImagesPreprocessor(), enabled=True)
    return exporter


def copy_reveal(out: pathlib.Path) -> pathlib.Path:
    """Copia o reveal.js local para ``out/reveal`` (os slides o buscam ali)."""
    target = out / "reveal"
    target.mkdir(parents=True, exist_ok=True)
    for name in REVEAL_FILES:
        shutil.copy2(REVEAL_DIR / name, target / name)
    return target


def export_slides(
    notebook_path: str | pathlib.Path,
    out: str | pathlib.Path = "build/slides",
    *,
    exporter: SlidesExporter | None = None,
) -> pathlib.Path:
    """Exporta um notebook para ``out/NN-nome.slides.html`` (com ``out/reveal/``) e devolve o
    caminho. Vale o que está salvo no notebook (saídas e estado final dos widgets): execute-o
    antes com ``python -m helpers.execute`` se ele mudou."""
    notebook_path, out = pathlib.Path(notebook_path), pathlib.Path(out)
    nb = nbformat.read(notebook_path, as_version=4)
    body, _ = (exporter or make_slides_exporter()).from_notebook_node(
        nb, resources={"metadata": {"name": notebook_path.stem, "path": str(notebook_path.parent)},
                       "curso_out": str(out), "curso_suffix": ".slides.html"},
    )
    out.mkdir(parents=True, exist_ok=True)
    copy_reveal(out)
    target = out / slides_name(notebook_path)
    target.write_text(body, encoding="utf-8")
    return target


def chapter_notebooks(folder: str | pathlib.Path = ROOT / "notebooks") -> list[pathlib.Path]:
    """Os capítulos (``NN-nome.ipynb``) de ``folder``, em ordem."""
    return sorted(p for p in pathlib.Path(folder).glob("[0-9][0-9]-*.ipynb") if CHAPTER.match(p.name))


def _title(path: pathlib.Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


INDEX = """\
<!DOCTYPE html>
<html lang="pt-BR">
<head><meta charset="utf-8"><title>Slides do curso</title>
<style>
body {{ font-family: system-ui, "DejaVu Sans", sans-serif; max-width: 760px; margin: 48px auto;
  padding: 0 16px; color: #222; }}
li {{ margin: 10px 0; font-size: 20px; }}
a {{ color: #1a5fb4; }}
p {{ color: #555; }}
</style></head>
<body>
<h1>Comunicação em tempo real na web · slides</h1>
<ol class="decks">
{items}
</ol>
<p>Setas ou espaço avançam; <kbd>S</kbd> abre a visão do apresentador (com as notas); <kbd>Esc</kbd>
mostra todos os slides. Os widgets aparecem no estado final da última execução, sem kernel.</p>
</body>
</html>
"""


def export_all(
    notebooks: Sequence[str | pathlib.Path] | None = None, out: str | pathlib.Path = "build/slides"
) -> list[pathlib.Path]:
    """Exporta ``notebooks`` (padrão: todos os capítulos) e escreve ``out/index.html``."""
    paths = [pathlib.Path(p) for p in notebooks] if notebooks else chapter_notebooks()
    exporter = make_slides_exporter()
    decks = [export_slides(p, out, exporter=exporter) for p in paths]
    items = "\n".join(
        f'<li><a href="{html.escape(d.name)}">{html.escape(_title(p))}</a></li>' for p, d in zip(paths, decks)
    )
    (pathlib.Path(out) / "index.html").write_text(INDEX.format(items=items), encoding="utf-8")
    return decks


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python3 curso.py slides",
        description="Exporta os notebooks para slides reveal.js que abrem sem kernel e sem internet.",
    )
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="arquivos .ipynb (padrão: todos os notebooks/NN-*.ipynb)")
    parser.add_argument("--out", default="build/slides", metavar="PASTA",
                        help="pasta de saída (padrão: build/slides)")
    args = parser.parse_args(argv)
    for name in args.notebooks:
        if not pathlib.Path(name).is_file():
            print(f"Arquivo não encontrado: {name}", file=sys.stderr)
            return 2
    decks = export_all(args.notebooks, args.out)
    for deck in decks:
        print(deck)
    print(f"✔ {len(decks)} apresentação(ões); abra {pathlib.Path(args.out) / 'index.html'} no navegador")
    return 0


if __name__ == "__main__":
    sys.exit(main())
