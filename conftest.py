"""Vale para tudo o que o pytest coleta no repositório (tests/ e notebooks/).

Com o pytest-xdist (``curso.py testar`` roda a suíte em vários processos), ``scope_of`` decide o
que precisa ficar junto num mesmo processo:

* cada arquivo de teste inteiro (as fixtures de módulo, como o Chromium, sobem uma vez);
* tudo o que executa um mesmo caderno: as células dele no nbval e o teste que roda o caderno
  duas vezes. Um caderno escreve na própria pasta (o banco do 05 em ``notebooks/dados``), então
  duas execuções dele ao mesmo tempo se atrapalhariam.

(O ``--dist loadgroup`` do xdist 3.8 faria isso com marcas, mas não funciona com o pytest 9.2,
que ignora o ``_nodeid`` que ele reescreve; por isso o escalonador é nosso.)
"""

import re

NOTEBOOK_PARAM = re.compile(r"\[(\d\d-[\w-]+)\.ipynb\]$")


def scope_of(nodeid: str) -> str:
    """O grupo de um teste: ``caderno-05-chat`` para o que roda o 05; senão, o arquivo."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return "caderno-" + path.rsplit("/", 1)[-1].removesuffix(".ipynb")
    if path.endswith("test_notebooks_rerun.py") and (m := NOTEBOOK_PARAM.search(nodeid)):
        return "caderno-" + m.group(1)
    return path


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByNotebook(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return ByNotebook(config, log)
