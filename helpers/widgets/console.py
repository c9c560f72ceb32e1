"""Console do navegador: JavaScript escrito numa célula roda na página, e o ``console.log`` volta.

Introduzido no notebook 04 (seção "WebSocket no navegador: a API JavaScript").

Teoria de operação
------------------
O código JavaScript fica no trait ``code``; quem o executa é o navegador que mostra o widget (o
JupyterLab ou os slides ao vivo), em ``static/console.js``: uma função ``async`` recebe três
nomes prontos, ``console`` (o ``log``/``info``/``warn``/``error`` de sempre, que também anotam a
linha no widget), ``servidor`` (``servidor.ws("eco")`` e ``servidor.http("mensagens")`` montam a
URL de um servidor do kernel) e ``esperar(ms)``. Cada linha anotada volta ao kernel pelo trait
``logs``: uma célula seguinte pode imprimi-las (``report``) ou conferi-las (``lines``).

A URL base (``base``) vem de ``helpers.core.links.url_for_port``: ``http://127.0.0.1:PORTA/SEGREDO/``
rodando localmente, ``/user/ana/proxy/127.0.0.1:PORTA/SEGREDO/`` no JupyterHub/Binder. O
JavaScript a completa com o endereço da página (``new URL(base, location.href)``) e troca
``http``/``https`` por ``ws``/``wss``: a mesma conta do ``chat.js``.

A mágica de célula ``%%navegador NOME`` (``register_magic(base)``) deixa a célula inteira em
JavaScript: o corpo vira o ``code`` de um ``BrowserConsole`` guardado na variável ``NOME``.

Quando roda: ``run()`` soma 1 a ``runs``; a página executa quando ``runs`` passa de ``done`` (e
anota ``done`` antes de começar, para duas vistas do mesmo widget não rodarem o código duas
vezes). Com ``autorun=True`` o código roda assim que o widget aparece; o botão "Executar" roda de
novo. Sem navegador (nbclient, nbval, a exportação estática) nada roda: por isso o ``repr`` (o
``text/plain`` salvo no notebook) diz o que se espera ver, em vez de uma saída que não existiu.
"""

from __future__ import annotations

import pathlib
import weakref

import anywidget
import traitlets

__all__ = ["BrowserConsole", "MAX_LINES", "STOPPED", "register_magic", "server_stopped"]

_STATIC = pathlib.Path(__file__).parent.parent / "static"

MAX_LINES = 200  # linhas guardadas por execução (um laço esquecido não enche a página)
STOPPED = ("O servidor do kernel que este console usa foi desligado (a última célula do notebook "
           "desliga tudo o que ele subiu). Rode de novo a célula que sobe o laboratório e depois "
           "a célula deste console.")
_consoles: weakref.WeakSet = weakref.WeakSet()  # os consoles vivos, para ``server_stopped``


class BrowserConsole(anywidget.AnyWidget):
    """Um console de JavaScript que roda na página, com servidores do kernel à mão.

    >>> console = BrowserConsole('console.log("oi")', base=url_for_port(tap.port, "/SEGREDO/"),
    ...                          expected="oi")
    >>> console            # no JupyterLab: o editor, o botão e a saída; o código já roda
    >>> console.report()   # numa célula seguinte: as linhas que o navegador anotou

    ``expected`` é o que o aluno deve ver (aparece no widget e no ``repr``).
    """

    _esm = _STATIC / "console.js"
    _css = _STATIC / "console.css"

    code = traitlets.Unicode("").tag(sync=True)
    base = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("Console do navegador").tag(sync=True)
    expected = traitlets.Unicode("").tag(sync=True)
    runs = traitlets.Int(0).tag(sync=True)
    done = traitlets.Int(0).tag(sync=True)
    finished = traitlets.Int(0).tag(sync=True)
    logs = traitlets.List(traitlets.Dict()).tag(sync=True)
    max_lines = traitlets.Int(MAX_LINES).tag(sync=True)
    # Por que o servidor de ``base`` saiu do ar ("" enquanto está no ar): com ele preenchido, o
    # botão mostra o aviso em vez de rodar um código que usa ``servidor`` e ficaria esperando.
    offline = traitlets.Unicode("").tag(sync=True)

    def __init__(self, code: str = "", *, base: str = "", title: str = "Console do navegador",
                 expected: str = "", autorun: bool = True, **kwargs):
        super().__init__(code=code.strip("\n"), base=base, title=title, expected=expected,
                         runs=1 if autorun else 0, **kwargs)
        _consoles.add(self)

    def run(self, code: str | None = None) -> None:
        """Pede à página que rode ``code`` (ou o código atual) de novo; a saída recomeça."""
        if code is not None:
            self.code = code.strip("\n")
        self.logs = []
        self.runs += 1

    @property
    def lines(self) -> list[str]:
        """O texto de cada linha anotada pelo navegador, na ordem."""
        return [entry.get("text", "") for entry in self.logs]

    @property
    def ran(self) -> bool:
        """Se alguma página já terminou de rodar o código (a parte ``await`` dele)."""
        return self.finished >= self.runs > 0

    def report(self) -> None:
        """Imprime as linhas que voltaram do navegador, ou diz por que ainda não há nenhuma."""
        if not self.logs:
            print("(nenhuma linha ainda: o código roda no navegador, no JupyterLab ou nos slides "
                  "ao vivo; rode esta célula de novo depois que o console mostrar a saída)")
            return
        for entry in self.logs:
            mark = {"error": "✖ ", "warn": "⚠ "}.get(entry.get("level"), "")
            print(f"{mark}{entry.get('text', '')}")

    def __repr__(self) -> str:  # estável: o nbval compara este texto (nada de porta ou segredo)
        n = len(self.code.splitlines())
        head = (f"{self.title} · {n} {'linha' if n == 1 else 'linhas'} de JavaScript "
                f"(roda na página: JupyterLab ou slides ao vivo)")
        if not self.expected:
            return head
        seen = "\n".join(f"  {line}" for line in self.expected.splitlines())
        return f"{head}; você deve ver:\n{seen}"


def server_stopped(base: str, why: str = STOPPED) -> int:
    """Avisa os consoles que usam a URL ``base`` que o servidor dela saiu do ar (``BrowserLab.close``
    chama). Devolve quantos foram avisados."""
    told = [c for c in list(_consoles) if c.base == base]
    for console in told:
        console.offline = why
    return len(told)


def register_magic(base: str, name: str = "navegador", shell=None) -> None:
    """Registra a mágica de célula ``%%navegador [variável]``: o resto da célula é JavaScript,
    que roda num ``BrowserConsole`` com a URL base ``base`` (a do servidor que o código alcança).

    Chamar de novo troca a base das próximas células; cada console guarda a sua."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()

    def navegador(line: str, cell: str) -> BrowserConsole:
        variable = line.strip()
        if variable and not variable.isidentifier():
            raise ValueError(f"Nome de variável inválido para o console: {variable!r}.")
        console = BrowserConsole(cell, base=base,
                                 title=f"Console do navegador · {variable}" if variable else "Console do navegador")
        if variable:
            shell.user_ns[variable] = console
        return console

    shell.register_magic_function(navegador, "cell", name)
