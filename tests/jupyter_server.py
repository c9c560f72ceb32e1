"""The tests' name for ``helpers.tools.lab`` (a real, isolated Jupyter server or JupyterLab), which
the benchmark also uses to time notebooks in JupyterLab."""

from helpers.tools.lab import LAB_QUIET_SETTINGS, JupyterServer, free_port, jupyter_server

__all__ = ["JupyterServer", "free_port", "jupyter_server", "LAB_QUIET_SETTINGS"]
