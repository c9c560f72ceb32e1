"""O console do navegador no Chromium: o JavaScript de uma célula ``%%navegador`` roda na página,
conversa com um servidor do kernel pelo jupyter-server-proxy (como no JupyterHub/Binder), e o
diagrama desenha as mensagens do navegador; o aluno também edita o código e roda de novo."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_server import jupyter_server
from labdriver import ARTIFACTS, diagram_titled, open_notebook, run_all_cells, wait_for_count

pytestmark = pytest.mark.browser

SETUP = '''\
from helpers import SequenceDiagram, registry
from helpers.experiments.browser import BrowserLab
from helpers.widgets.console import register_magic

lab = await registry.start("lab-js", BrowserLab())
register_magic(lab.base)
print("proxy" if lab.base.startswith("/curso/proxy/127.0.0.1:") else lab.base)
diagrama = SequenceDiagram(["navegador"], title="Pelo proxy")
diagrama.follow(lab.tap, client="navegador", label=lab.label)
diagrama
'''

SNIPPET = '''\
%%navegador api
const ws = new WebSocket(servidor.ws("eco"), ["chat.v2", "chat.v1"]);
const respostas = new Promise((pronto) => {
  let n = 0;
  ws.onmessage = (e) => { console.log("message:", e.data); if (++n === 2) pronto(); };
});
await new Promise((pronto) => ws.addEventListener("open", pronto, { once: true }));
console.log("open; subprotocolo:", ws.protocol, "; extensões:", JSON.stringify(ws.extensions));
ws.send("olá do navegador");
ws.send("me pingue");
ws.send("tchau");
await respostas;
ws.close(1000, "fim");
'''


@pytest.fixture(scope="module")
def proxied_lab(tmp_path_factory, chromium):
    """JupyterLab em /curso/, com os links do curso passando pelo jupyter-server-proxy."""
    with jupyter_server(tmp_path_factory.mktemp("lab-proxy"), lab=True, base_url="/curso/",
                        env={"CURSO_PROXY_PREFIX": "/curso/"},
                        extra_args=["--LabApp.expose_app_in_browser=True"], timeout=120) as server:
        nb = new_notebook(cells=[new_code_cell(SETUP), new_code_cell(SNIPPET)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                     "language": "python"}
        nbformat.write(nb, server.root_dir / "console.ipynb")
        yield server


def console_output(page):
    return page.locator(".curso-console pre.out")


_IN_THE_KERNEL = """async (code) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const reply = await panel.sessionContext.session.kernel.requestExecute({ code }).done;
  return reply.content.status;
}"""


def test_a_browser_snippet_talks_to_the_kernel_through_the_proxy_and_the_diagram_draws_it(page, proxied_lab):
    open_notebook(page, proxied_lab, "console.ipynb")
    run_all_cells(page)
    assert page.locator(".jp-OutputArea-output", has_text="proxy").count() >= 1
    out = console_output(page)
    out.locator(".line", has_text="message: tchau").wait_for(state="attached")
    lines = out.locator(".line").all_text_contents()
    # o jupyter-server-proxy responde ao navegador com o 1º subprotocolo pedido sem perguntar ao
    # servidor (jupyterhub/jupyter-server-proxy#459); direto, o servidor escolheria chat.v1
    assert any("open; subprotocolo: chat.v2" in s for s in lines), lines
    # e não comprime o trecho até o navegador (o handler dele não tem get_compression_options):
    # o permessage-deflate que o servidor negocia com o proxy fica no loopback
    assert any('extensões: ""' in s for s in lines), lines
    assert not any("ainda ai" in s for s in lines), "o ping não chega ao JavaScript"
    diagram = diagram_titled(page, "Pelo proxy")
    # GET + 101, 3 TEXT do navegador, 2 ecos, PING e PONG, CLOSE nos dois sentidos
    wait_for_count(diagram.locator("g.msg.arrow"), 11)
    labels = diagram.locator("g.msg.arrow text").all_text_contents()
    assert "GET /…/eco" in labels and any(s.startswith("PONG") for s in labels), labels

    # o aluno troca o código e roda de novo: a saída recomeça
    code = page.locator(".curso-console textarea.code")
    code.fill('console.log("segunda vez", 6 * 7);')
    page.locator(".curso-console button.run").click()
    out.locator(".line", has_text="segunda vez 42").wait_for(state="attached")
    assert out.locator(".line").count() == 1

    # o servidor sai do ar (como na última célula do notebook): o console avisa em vez de esperar
    # para sempre por um WebSocket que nunca abre
    assert page.evaluate(_IN_THE_KERNEL, 'await registry.stop("lab-js")') == "ok"
    status = page.locator(".curso-console .status", has_text="servidor fora do ar")
    status.wait_for(state="attached")  # o aviso chega do kernel antes de qualquer clique
    code.fill('const ws = new WebSocket(servidor.ws("eco"));\nawait new Promise((ok) => ws.onopen = ok);')
    page.locator(".curso-console button.run").click()
    out.locator(".line", has_text="foi desligado").wait_for(state="attached")
    assert status.count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-proxy.png"), full_page=True)
