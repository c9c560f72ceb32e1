"""As listas de dependências concordam, e README, CI e curso.py falam do mesmo comando."""

import pathlib
import re
import subprocess

from helpers.envcheck import check_environment, pinned_requirements

ROOT = pathlib.Path(__file__).resolve().parent.parent


def conda_pip_pins():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    return {m[1].lower(): m[2] for m in re.finditer(r"^\s+- ([A-Za-z0-9_.-]+)==([^\s#]+)", text, re.M)}


def test_environment_yml_pins_exactly_what_requirements_txt_pins():
    assert conda_pip_pins() == pinned_requirements(ROOT / "requirements.txt")


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        assert not line or "==" in line, f"sem versão fixada: {line}"


def test_ci_runs_the_test_command_written_in_the_readme():
    script = (ROOT / ".ci" / "run").read_text()
    extract = re.search(r"cmd=\$\((awk .*?)\)\n", script).group(1)
    cmd = subprocess.run(["bash", "-c", extract], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert cmd == "python3 curso.py testar"
    assert f"```bash\n{cmd}\n```" in (ROOT / "README.md").read_text()


def test_environment_check_reports_every_pinned_package(capsys):
    check_environment(["aiohttp", "pacote-que-nao-existe"])
    out = capsys.readouterr().out
    assert "✔ Python ≥ 3.11" in out
    assert "aiohttp" in out and "✘ pacote-que-nao-existe: não instalado" in out
