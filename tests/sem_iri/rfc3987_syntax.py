"""Só para a suíte de testes: ``curso.py testar`` põe esta pasta no começo do ``PYTHONPATH``.

O ``jsonschema``, que o Jupyter importa em quase todo processo (nbformat, jupyter_server,
jupyter_events, nbconvert), importa o pacote ``rfc3987_syntax`` se ele existir, só para conferir o
formato ``iri``. Esse pacote monta uma gramática lark inteira ao ser importado: ≈ 1,8 s de CPU por
processo (``python -X importtime -c "import nbformat"``), e a suíte sobe uns 20 processos assim
(servidores do Jupyter, o hub, subprocessos do nbconvert, os próprios processos do pytest).

Com este módulo no caminho, o import falha e o ``jsonschema`` segue sem esse formato, que ele já
trata como opcional; ``helpers.experiments.hardening.load_jsonschema`` faz o mesmo dentro do
kernel. Nenhum teste nem caderno confere o formato ``iri``.
"""

raise ImportError("rfc3987_syntax desligado nos testes (ver tests/sem_iri/rfc3987_syntax.py)")
