"""As listas de dependências concordam, e README, CI e curso.py falam do mesmo comando."""

import pathlib
import re
import subprocess
import sys

import pytest
import yaml
from packaging.requirements import Requirement

from helpers.core.envcheck import check_environment, pinned_requirements, requirement_lines

ROOT = pathlib.Path(__file__).resolve().parent.parent


def conda_pip_lines() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    return pip


def normalized(lines: list[str]) -> list[str]:
    """Cada linha como o pip a entende (nome, versão e marcador), em ordem alfabética."""
    return sorted(str(Requirement(line)).lower() for line in lines)


def test_environment_yml_pins_exactly_what_requirements_txt_pins_markers_included():
    assert normalized(conda_pip_lines()) == normalized(requirement_lines(ROOT / "requirements.txt"))


def test_every_requirement_is_pinned():
    for line in requirement_lines(ROOT / "requirements.txt"):
        (spec,) = Requirement(line).specifier
        assert spec.operator == "==", f"sem versão fixada: {line}"


def test_a_platform_marker_leaves_a_package_out_of_the_pins_where_it_does_not_apply(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text('a==1\nb==2; sys_platform == "plataforma-inexistente"\n'
                    'c==3; sys_platform != "plataforma-inexistente"  # comentário\n')
    assert pinned_requirements(reqs) == {"a": "1", "c": "3"}


def test_every_package_has_exactly_one_pin_on_each_platform():
    from packaging.markers import default_environment

    for platform, machine in [("linux", "x86_64"), ("linux", "aarch64"), ("win32", "AMD64"),
                              ("darwin", "x86_64"), ("darwin", "arm64")]:
        env = {**default_environment(), "sys_platform": platform, "platform_machine": machine}
        reqs = [Requirement(line) for line in requirement_lines(ROOT / "requirements.txt")]
        names = [r.name.lower() for r in reqs if r.marker is None or r.marker.evaluate(env)]
        assert len(names) == len(set(names)), (platform, machine, names)


@pytest.mark.skipif(sys.platform == "win32", reason="usa bash e awk, como o .ci/run (CI no Linux)")
def test_ci_runs_the_test_command_written_in_the_readme():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    extract = re.search(r"cmd=\$\((awk .*?)\)\n", script).group(1)
    cmd = subprocess.run(["bash", "-c", extract], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert cmd == "python3 curso.py testar"
    assert f"```bash\n{cmd}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_environment_check_reports_every_pinned_package(capsys):
    check_environment(["aiohttp", "pacote-que-nao-existe"])
    out = capsys.readouterr().out
    assert "✔ Python ≥ 3.11" in out
    assert "aiohttp" in out and "✘ pacote-que-nao-existe: não instalado" in out


def test_ci_installs_and_runs_the_unit_tests_on_windows_and_macos():
    text = (ROOT / ".github" / "workflows" / "testes.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    job = workflow["jobs"]["unidade"]
    assert set(job["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest"}
    steps = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    assert steps["actions/setup-python"]["with"]["python-version"] == "3.11"
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[-1].startswith('python curso.py testar tests -m "not browser"')
