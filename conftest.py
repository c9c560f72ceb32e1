"""Vale para tudo o que o pytest coleta no repositório (tests/ e notebooks/).

Com o pytest-xdist (``curso.py testar`` roda a suíte em vários processos), ``scope_of`` decide o
que precisa ficar junto num mesmo processo:

* cada arquivo de teste inteiro (as fixtures de módulo, como o Chromium, sobem uma vez);
* tudo o que executa um mesmo caderno: as células dele no nbval e o teste que roda o caderno
  duas vezes. Um caderno escreve na própria pasta (o banco do 05 em ``notebooks/dados``), então
  duas execuções dele ao mesmo tempo se atrapalhariam.

(O ``--dist loadgroup`` do xdist 3.8 faria isso com marcas, mas não funciona com o pytest 9.2,
que ignora o ``_nodeid`` que ele reescreve; por isso o escalonador é nosso.)

E a ordem: a suíte termina quando o processo mais atrasado termina, então os grupos longos saem
primeiro (``costliest``, com os custos de ``COST``) e os curtos preenchem o fim. O
``LoadScope`` do xdist os mandaria pelo número de testes, que diz pouco: um módulo do navegador
com 2 testes dura mais que um com 100 testes de unidade.
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


# Segundos que cada grupo levou no ``testar`` (3 processos, 2 núcleos divididos com outros
# trabalhos, carga média ≈ 10: ``--junitxml``, somando setup, chamada e teardown). Só a ordem importa, não os
# números; um grupo fora da tabela vale pelo que ``estimated_cost`` supõe.
COST = {
    "tests/test_static_links.py": 130,
    "tests/browser/test_hub.py": 120,
    "tests/browser/test_ch05.py": 105,
    "tests/browser/test_slides.py": 70,
    "tests/test_bench_smoke.py": 100,
    "tests/test_chat_reliability.py": 100,
    "tests/browser/test_ch04.py": 70,
    "tests/test_wsframes.py": 80,
    "tests/test_compression.py": 80,
    "tests/browser/test_ch07.py": 75,
    "tests/browser/test_ch03.py": 75,
    "tests/browser/test_abrir.py": 70,
    "tests/browser/test_slides_offline.py": 65,
    "tests/browser/test_ch06.py": 60,
    "tests/test_export.py": 55,
    "tests/test_curso.py": 55,
    "tests/test_plataformas.py": 50,
    "tests/browser/test_jupyterlab.py": 45,
    "caderno-07-escala": 45,
    "tests/browser/test_console_proxy.py": 45,
    "tests/test_plot.py": 45,
    "tests/test_dns.py": 40,
    "caderno-06-uso-consciente": 35,
    "tests/browser/test_lab_timing.py": 30,
    "tests/test_soak.py": 30,
    "tests/test_hardening.py": 30,
    "tests/test_links.py": 25,
    "caderno-05-chat": 20,
    "tests/test_exports.py": 20,
    "tests/browser/test_painel_navegador.py": 20,
}


def estimated_cost(scope: str, tests: int) -> float:
    """O custo de um grupo que não está em ``COST``: um módulo do navegador sobe o Chromium e
    costuma rodar um notebook; um caderno sobe um kernel por execução; o resto, pelo número de
    testes."""
    if scope in COST:
        return COST[scope]
    if scope.startswith("tests/browser/"):
        return 60
    if scope.startswith("caderno-"):
        return 10 + 0.3 * tests
    return 0.1 * tests


def costliest(workqueue: dict[str, dict]) -> str:
    """O grupo mais caro ainda na fila (empates: o primeiro na ordem da coleta)."""
    return max(workqueue, key=lambda s: estimated_cost(s, len(workqueue[s])))


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByNotebook(LoadScopeScheduling):
        """Grupos por ``scope_of``; cada processo livre recebe o mais caro que falta. Um processo
        só recebe o próximo grupo quando lhe resta um teste (o xdist manda quando restam dois:
        com dois testes longos no fim, o grupo seguinte esperaria atrás deles em vez de ir para
        quem se livrar primeiro). Com um, nada fica parado: o processo segura o último teste até
        saber qual vem depois."""

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            self.workqueue.move_to_end(costliest(self.workqueue), last=False)
            super()._assign_work_unit(node)

        def _reschedule(self, node) -> None:
            if node.shutting_down or not self.workqueue:
                super()._reschedule(node)
            elif self._pending_of(self.assigned_work[node]) <= 1:
                self._assign_work_unit(node)

    return ByNotebook(config, log)
