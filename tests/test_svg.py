"""O kit de SVG (helpers.widgets.svg): construtor puro e seguro, uma base de widget e um só renderizador."""

import hashlib
import pathlib
import xml.etree.ElementTree as ET

import traitlets

from helpers.widgets.svg import PALETTE, Svg, SvgWidget, number

STATIC = pathlib.Path(__file__).resolve().parent.parent / "helpers" / "static"


def test_numbers_keep_at_most_one_decimal_and_drop_a_trailing_zero():
    assert [number(x) for x in (3, 3.0, 2.25, -0.04, 10.16)] == ["3", "3", "2.2", "0", "10.2"]


def test_text_is_escaped_and_the_drawing_is_well_formed_xml():
    s = Svg(100, 40, label="<rótulo>", class_="x", font="sans-serif")
    s.text(1, 2, "<script>alert(1)</script>", fill="#222")
    with s.group(class_="g", data_i=3, tooltip="a & b"):
        s.rect(0, 0, 10, 10, class_="bar", fill="red")
    svg = s.render()
    root = ET.fromstring(svg)
    assert root.get("aria-label") == "<rótulo>" and root.get("role") == "img"
    assert "&lt;script&gt;" in svg and "<script" not in svg
    assert '<g class="g" data-i="3"><title>a &amp; b</title><rect class="bar" x="0"' in svg


def test_attributes_use_svg_names_and_none_leaves_them_out():
    s = Svg(10, 10)
    s.line(0, 0, 1, 1, stroke_width=2, stroke_dasharray=None, marker_end="url(#seta)")
    assert '<line x1="0" y1="0" x2="1" y2="1" stroke-width="2" marker-end="url(#seta)"/>' in s.render()


def test_arrowheads_are_declared_once_per_colour():
    s = Svg(10, 10)
    s.arrow(0, 0, 5, 5, "a")
    s.arrow(0, 5, 5, 0, "b")
    s.arrow(0, 5, 5, 0, "c", color="#1e7b34")
    assert s.render().count("<marker ") == 2


def test_standalone_figures_carry_title_and_description_for_screen_readers():
    svg = Svg(10, 10, title="Título", description="Descrição").render()
    root = ET.fromstring(svg)
    assert root.get("aria-labelledby") == "titulo descricao"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Título"


def test_same_input_same_bytes():
    def draw():
        s = Svg(50, 20, label="x")
        s.box(0, 0, 50, 20, "duas\nlinhas")
        s.cylinder(0, 0, 20, 20, "db")
        s.polyline([(0, 0), (10, 0), (10, 10)], "rota")
        return s.render()

    assert draw() == draw()


def test_palette_has_no_red_green_pair():
    assert "#d62728" not in PALETTE and "#2ca02c" not in PALETTE and len(set(PALETTE)) == len(PALETTE)


class Dot(SvgWidget):
    _redraw_on = ("r",)
    r = traitlets.Int(1).tag(sync=True)

    def draw(self) -> str:
        s = Svg(10, 10, label=self.title)
        s.element("circle", cx=5, cy=5, r=self.r)
        return s.render()


def test_a_widget_redraws_when_its_traits_change():
    dot = Dot(title="ponto")
    assert 'r="1"' in dot.svg
    dot.r = 4
    assert 'r="4"' in dot.svg
    dot.title = "outro"
    assert 'aria-label="outro"' in dot.svg


def test_one_javascript_renderer_for_svg_widgets():
    """plot.js e waterfall.js eram cópias; agora os widgets de desenho usam static/svg.js."""
    from helpers.widgets.diagram import SequenceDiagram
    from helpers.widgets.plot import Table
    from helpers.widgets.waterfall import Waterfall

    for cls in (SequenceDiagram, Waterfall, Table):
        assert issubclass(cls, SvgWidget) and cls._esm == SvgWidget._esm, cls
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in STATIC.glob("*.js")]
    assert len(digests) == len(set(digests)), "dois arquivos JavaScript iguais em helpers/static"
