"""O console do navegador sem navegador: o repr estável, o pedido de execução e a saída que volta."""

import pathlib

from helpers.widgets.console import BrowserConsole, register_magic

JS = pathlib.Path(__file__).resolve().parents[1] / "helpers" / "static" / "console.js"


def test_repr_says_what_to_expect_and_never_shows_port_or_secret():
    console = BrowserConsole('console.log("oi")\nconsole.log("tchau")',
                             base="http://127.0.0.1:41234/SEGREDO/", expected="oi\ntchau")
    assert repr(console) == ("Console do navegador · 2 linhas de JavaScript (roda na página: JupyterLab "
                             "ou slides ao vivo); você deve ver:\n  oi\n  tchau")
    assert "41234" not in repr(console) and "SEGREDO" not in repr(console)


def test_repr_without_expectation_counts_lines_in_portuguese():
    assert repr(BrowserConsole("console.log(1)", title="Teste")).startswith("Teste · 1 linha de JavaScript (")


def test_autorun_asks_the_page_to_run_once_and_run_asks_again_with_fresh_output():
    console = BrowserConsole("console.log(1)")
    assert (console.runs, console.done) == (1, 0)
    assert BrowserConsole("x", autorun=False).runs == 0
    console.logs = [{"level": "log", "text": "1", "t": 3}]
    console.run("console.log(2)")
    assert (console.runs, console.code, console.logs) == (2, "console.log(2)", [])


def test_lines_and_report_show_what_the_page_sent_back(capsys):
    console = BrowserConsole("")
    console.report()
    assert "nenhuma linha ainda" in capsys.readouterr().out
    console.logs = [{"level": "log", "text": "aberto", "t": 1}, {"level": "error", "text": "falhou", "t": 2}]
    assert console.lines == ["aberto", "falhou"]
    console.report()
    assert capsys.readouterr().out == "aberto\n✖ falhou\n"


def test_ran_follows_the_page_finishing_the_current_run():
    console = BrowserConsole("")
    assert not console.ran
    console.finished = 1
    assert console.ran
    console.run()
    assert not console.ran


def test_the_javascript_defines_the_names_the_notebook_promises():
    js = JS.read_text(encoding="utf-8")
    assert 'new AsyncFunction("console", "servidor", "esperar"' in js
    assert 'url.protocol === "https:" ? "wss:" : "ws:"' in js  # wss atrás de um hub com https


def test_the_cell_magic_turns_the_cell_into_a_console_stored_in_a_variable():
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    register_magic("http://127.0.0.1:1/S/", shell=shell)
    result = shell.run_cell_magic("navegador", "api", 'console.log("oi")\n')
    assert shell.user_ns["api"] is result
    assert (result.code, result.base, result.title) == ('console.log("oi")', "http://127.0.0.1:1/S/",
                                                        "Console do navegador · api")
