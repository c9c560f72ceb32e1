"""O escalonador do ``testar`` (``conftest.py`` da raiz): o que fica junto e o que sai primeiro."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("conftest_raiz", ROOT / "conftest.py")
raiz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(raiz)


def test_a_notebook_and_its_run_twice_test_share_a_group_and_a_test_file_is_one_group():
    assert raiz.scope_of("notebooks/05-chat.ipynb::Cell 3") == "caderno-05-chat"
    rerun = "tests/test_notebooks_rerun.py::test_notebook_runs_twice_in_one_kernel_and_ends_where_it_started"
    assert raiz.scope_of(f"{rerun}[05-chat.ipynb]") == "caderno-05-chat"
    assert raiz.scope_of("tests/test_dns.py::test_x[a]") == raiz.scope_of("tests/test_dns.py::test_y")


def test_the_costliest_group_goes_first_whatever_its_number_of_tests():
    queue = {
        "tests/test_voz.py": dict.fromkeys(range(110), False),
        "tests/browser/test_novo.py": {"a": False},  # fora da tabela: um módulo do navegador
        "caderno-05-chat": dict.fromkeys(range(44), False),
        "tests/test_chat_reliability.py": {"a": False, "b": False},
    }
    order = []
    while queue:
        order.append(raiz.costliest(queue))
        del queue[order[-1]]
    assert order == ["tests/test_chat_reliability.py", "tests/browser/test_novo.py", "caderno-05-chat",
                     "tests/test_voz.py"]


def test_every_group_in_the_cost_table_still_exists():
    for scope in raiz.COST:
        if scope.startswith("caderno-"):
            assert (ROOT / "notebooks" / f"{scope.removeprefix('caderno-')}.ipynb").is_file(), scope
        else:
            assert (ROOT / scope).is_file(), scope
