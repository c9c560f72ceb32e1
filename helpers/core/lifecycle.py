"""Ciclo de vida: um registro para tudo o que um notebook inicia.

Introduzido no notebook 00 (Boas-vindas); usado por todos os capítulos.

Teoria de operação
------------------
Cada coisa que roda em segundo plano (um servidor, uma tarefa asyncio, um subprocesso, um
relay do tap) é um *recurso*: um objeto com ``async start()`` e ``async close()``. O
``Registry`` guarda os recursos por nome:

* ``await registry.start("http", HttpServer(app))`` inicia o recurso; se já existia um
  recurso com esse nome (a célula foi executada de novo), o antigo é parado antes. Assim
  reexecutar uma célula nunca deixa uma segunda cópia nem dá "address already in use".
* Servidores escutam em ``127.0.0.1`` na porta 0 (o sistema escolhe uma livre); a porta real
  fica em ``.port``.
* ``await registry.stop_all()`` para tudo, na ordem inversa da criação.
* Uma tarefa de fundo que falha não se perde: a mensagem aparece no notebook, em português,
  e fica guardada em ``registry.errors``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "BackgroundError",
    "HttpServer",
    "PortInUse",
    "Process",
    "Registry",
    "Resource",
    "Snapshot",
    "SubprocessServer",
    "Task",
    "TcpServer",
    "WebSocketServer",
    "open_fds",
    "open_sockets",
    "registry",
]

log = logging.getLogger("curso.lifecycle")

LOOPBACK = "127.0.0.1"

_ADDR_IN_USE = {errno.EADDRINUSE, 10048}  # 10048: WSAEADDRINUSE, no Windows


class Resource(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...


class PortInUse(OSError):
    """A porta pedida já está ocupada por outro programa.

    No notebook, aparece como uma mensagem curta em português, sem a parede de traceback.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        super().__init__(
            errno.EADDRINUSE,
            f"A porta {port} em {host} já está em uso por outro programa. "
            "Use port=0 para o sistema escolher uma porta livre, ou feche o programa que "
            "está usando essa porta.",
        )

    def __str__(self) -> str:
        return self.strerror

    def _render_traceback_(self) -> list[str]:  # usado pelo IPython no lugar do traceback
        return [f"PortInUse: {self.strerror}"]


def _bind_error(exc: OSError, host: str, port: int) -> OSError:
    if exc.errno in _ADDR_IN_USE or getattr(exc, "winerror", None) in _ADDR_IN_USE:
        return PortInUse(host, port)
    return exc


@dataclass(frozen=True)
class BackgroundError:
    """Uma falha de tarefa de fundo, guardada para não se perder."""

    name: str
    exception: BaseException

    def __str__(self) -> str:
        return f"{self.name}: {type(self.exception).__name__}: {self.exception}"


def _show_background_error(name: str, exc: BaseException) -> None:
    log.error("background task %r failed", name, exc_info=exc)
    print(
        f"⚠ A tarefa de fundo {name!r} falhou: {type(exc).__name__}: {exc}\n"
        "  (o resto continua rodando; veja registry.errors para os detalhes)",
        file=sys.stderr,
    )


# --- recursos ----------------------------------------------------------------------------------


class TcpServer:
    """Servidor TCP cru (``asyncio.start_server``) em 127.0.0.1, porta 0 por padrão.

    Ao parar, fecha também as conexões ainda abertas (``Server.close`` sozinho não fecha).
    """

    def __init__(
        self,
        handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
        host: str = LOOPBACK,
        port: int = 0,
    ):
        self.handler, self.host, self.requested_port = handler, host, port
        self.port: int | None = None
        self._server: asyncio.Server | None = None
        self._clients: set[tuple[asyncio.StreamWriter, asyncio.Task]] = set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        entry = (writer, asyncio.current_task())
        self._clients.add(entry)
        try:
            await self.handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients.discard(entry)
            writer.close()

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._serve, self.host, self.requested_port)
        except OSError as exc:
            raise _bind_error(exc, self.host, self.requested_port) from None
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer, task in list(self._clients):
            writer.close()
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        tasks = [t for _, t in self._clients if t is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"TcpServer(host={self.host!r}, port={self.port})"


class HttpServer:
    """Uma ``aiohttp.web.Application`` servindo em 127.0.0.1, porta 0 por padrão.

    Um handler que levanta exceção vira uma resposta 500 para aquele cliente (como o aiohttp
    faz); o servidor continua atendendo e o erro fica em ``.errors`` para ser mostrado.
    """

    def __init__(self, app, host: str = LOOPBACK, port: int = 0, shutdown_timeout: float = 1.0):
        from aiohttp import web

        self.app, self.host, self.requested_port = app, host, port
        self.shutdown_timeout = shutdown_timeout
        self.port: int | None = None
        self.errors: list[BaseException] = []
        self._runner: web.AppRunner | None = None
        if not app.frozen:
            app.middlewares.append(self._make_middleware())

    def _make_middleware(self):
        from aiohttp import web

        @web.middleware
        async def report_errors(request, handler):
            try:
                return await handler(request)
            except (web.HTTPException, asyncio.CancelledError):
                raise
            except Exception as exc:
                self.errors.append(exc)
                log.warning("handler for %s %s raised %r", request.method, request.path, exc)
                return web.Response(
                    status=500,
                    text="500 Internal Server Error: o servidor falhou nesta requisição.\n",
                )

        return report_errors

    async def start(self) -> None:
        from aiohttp import web

        runner = web.AppRunner(
            self.app, handle_signals=False, access_log=None, shutdown_timeout=self.shutdown_timeout
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.requested_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise _bind_error(exc, self.host, self.requested_port) from None
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def __repr__(self) -> str:
        return f"HttpServer(host={self.host!r}, port={self.port})"


class WebSocketServer:
    """Um servidor ``websockets`` (API asyncio nova) em 127.0.0.1, porta 0 por padrão.

    ``kwargs`` vão direto para ``websockets.asyncio.server.serve`` (``max_size``,
    ``ping_interval``, ``process_request``...).
    """

    def __init__(self, handler, host: str = LOOPBACK, port: int = 0, **kwargs: Any):
        self.handler, self.host, self.requested_port, self.kwargs = handler, host, port, kwargs
        self.port: int | None = None
        self.server = None

    async def start(self) -> None:
        from websockets.asyncio.server import serve

        try:
            self.server = await serve(self.handler, self.host, self.requested_port, **self.kwargs)
        except OSError as exc:
            raise _bind_error(exc, self.host, self.requested_port) from None
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def __repr__(self) -> str:
        return f"WebSocketServer(host={self.host!r}, port={self.port})"


class Task:
    """Uma corrotina rodando em segundo plano, supervisionada.

    ``timeout`` (segundos) limita quanto tempo ela pode rodar: passado o limite ela é
    cancelada, o que protege o notebook de laços sem fim. A exceção de uma tarefa que falha é
    mostrada e guardada (nunca engolida em silêncio).
    """

    def __init__(
        self,
        work: Coroutine[Any, Any, Any] | Callable[[], Coroutine[Any, Any, Any]],
        timeout: float | None = None,
    ):
        self._work, self.timeout = work, timeout
        self.task: asyncio.Task | None = None
        self.name = "tarefa"
        self.on_error: Callable[[str, BaseException], None] = _show_background_error

    async def _run(self):
        coro = self._work() if callable(self._work) else self._work
        if self.timeout is None:
            return await coro
        return await asyncio.wait_for(coro, self.timeout)

    def _done(self, task: asyncio.Task) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.on_error(self.name, exc)

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name=self.name)
        self.task.add_done_callback(self._done)

    async def close(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    def __await__(self):
        """``await tarefa`` espera o resultado (ou a exceção) da corrotina."""
        assert self.task is not None, "a tarefa ainda não foi iniciada"
        return self.task.__await__()

    def done(self) -> bool:
        return self.task is not None and self.task.done()

    def __repr__(self) -> str:
        state = "parada" if self.task is None else ("terminada" if self.task.done() else "rodando")
        return f"Task({self.name!r}, {state})"


class Process:
    """Um subprocesso (por exemplo, outro servidor Python), com a saída num arquivo de log.

    Usa ``subprocess.Popen`` e não ``asyncio.create_subprocess_exec`` porque o laço de eventos do
    ipykernel no Windows não suporta subprocessos asyncio.

    O log é um arquivo temporário com nome: o processo escreve no descritor dele, e ``output``
    lê abrindo o arquivo de novo. Ler pelo mesmo descritor (um ``seek(0)`` no arquivo do filho)
    mudaria a posição em que o filho escreve: um ``print`` que chegasse logo depois sobrescreveria
    o começo do log (aconteceu: ``PORTA 41165`` virou ``\nORTA 41165``).
    """

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: str | None = None):
        self.args, self.env, self.cwd = list(args), env, cwd
        self.popen: subprocess.Popen | None = None
        self._log: str | None = None  # caminho do arquivo de log

    async def start(self) -> None:
        fd, self._log = tempfile.mkstemp(prefix="curso-processo-", suffix=".log")
        env = None if self.env is None else {**os.environ, **self.env}
        try:
            with os.fdopen(fd, "wb") as log:  # o filho herda a própria cópia; a nossa fecha aqui
                self.popen = subprocess.Popen(
                    self.args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=env, cwd=self.cwd,
                )
        except OSError:
            os.unlink(self._log)
            self._log = None
            raise

    def output(self) -> str:
        """O que o processo escreveu até agora (stdout e stderr juntos)."""
        if self._log is None:
            return ""
        try:
            with open(self._log, "rb") as log:
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    async def wait_for_port(self, timeout: float = 10.0, marker: str = "PORTA ") -> int:
        """Espera o processo imprimir ``PORTA 12345`` (a porta que o sistema lhe deu) e a devolve.

        Se ele terminar ou passar de ``timeout`` segundos sem imprimir, para o processo e levanta
        ``RuntimeError`` com o que ele escreveu, para o erro aparecer no notebook.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output().splitlines():
                if line.startswith(marker):
                    return int(line[len(marker):].split()[0])
            if self.returncode is not None:
                break
            await asyncio.sleep(0.02)
        output = self.output()
        await self.close()
        raise RuntimeError(f"O processo {' '.join(self.args[:3])!r} não informou a porta. Saída:\n{output}")

    async def close(self, grace: float = 3.0) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            for _ in range(int(grace / 0.05)):
                if self.popen.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            else:
                self.popen.kill()
                await asyncio.to_thread(self.popen.wait)
        self.popen = None
        if self._log is not None:
            try:
                os.unlink(self._log)
            except OSError:  # no Windows, um neto ainda vivo pode segurar o arquivo: fica no temp
                pass
            self._log = None

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def __repr__(self) -> str:
        return f"Process({' '.join(self.args[:3])!r}, pid={getattr(self.popen, 'pid', None)})"


class SubprocessServer:
    """Um servidor do curso rodando noutro processo (``python -m MÓDULO ...``), como recurso do
    ``registry``: ``start`` sobe o processo e espera ele imprimir ``PORTA N``; ``close`` o para.

    A base de ``BrokerServer`` e ``TechniqueServer`` (capítulo 07) e ``MeasuredServer`` (06): um
    jeito só de subir um servidor num subprocesso e ler a porta que o sistema lhe deu.
    """

    what = "O servidor"  # como o erro se refere a ele: "O servidor X não subiu."

    def __init__(self, module: str, *args: str, startup_timeout: float = 60.0):
        self.process = Process(sys.executable, "-m", module, *args, env={"PYTHONUNBUFFERED": "1"})
        self.startup_timeout = startup_timeout
        self.port: int | None = None

    async def start(self) -> None:
        await self.process.start()
        try:
            self.port = await self.process.wait_for_port(self.startup_timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{self.what} não subiu. {exc}") from None

    async def close(self) -> None:
        await self.process.close()
        self.port = None

    @property
    def pid(self) -> int:
        return self.process.popen.pid


# --- o registro -------------------------------------------------------------------------------


def open_fds() -> int:
    """Quantos descritores de arquivo (handles, no Windows) este processo tem abertos."""
    import psutil

    proc = psutil.Process()
    return proc.num_handles() if sys.platform == "win32" else proc.num_fds()


def open_sockets() -> int:
    """Quantos sockets TCP/UDP (IPv4 e IPv6) este processo tem abertos."""
    import psutil

    proc = psutil.Process()
    return len(getattr(proc, "net_connections", proc.connections)(kind="inet"))


@dataclass(frozen=True)
class Snapshot:
    """Fotografia do que está aberto: recursos do registro, descritores, sockets, tarefas asyncio."""

    resources: tuple[str, ...]
    fds: int
    tasks: int
    sockets: int = 0


_KERNEL_CODE = (f"{os.sep}ipykernel{os.sep}", f"{os.sep}IPython{os.sep}")


def _user_tasks() -> list[asyncio.Task]:
    """Tarefas asyncio pendentes, sem contar a atual nem as do próprio kernel (IPython)."""
    try:
        current, tasks = asyncio.current_task(), asyncio.all_tasks()
    except RuntimeError:  # fora de um laço de eventos
        return []
    out = []
    for task in tasks:
        code = getattr(task.get_coro(), "cr_code", None)
        if task is current or task.done() or (code and any(k in code.co_filename for k in _KERNEL_CODE)):
            continue
        out.append(task)
    return out


class Registry:
    """Guarda, por nome, tudo o que o notebook iniciou."""

    def __init__(self) -> None:
        self._items: dict[str, Resource] = {}
        self.errors: list[BackgroundError] = []

    async def start(self, name: str, resource: Resource):
        """Inicia ``resource`` com este nome, parando antes o que já tinha esse nome."""
        if name in self._items:
            await self.stop(name)
        if isinstance(resource, Task):
            resource.name = name
            resource.on_error = self._report
        await resource.start()
        self._items[name] = resource
        return resource

    async def spawn(self, name: str, work, timeout: float | None = None) -> Task:
        """Atalho: ``start(name, Task(work, timeout))``."""
        return await self.start(name, Task(work, timeout))

    def _report(self, name: str, exc: BaseException) -> None:
        self.errors.append(BackgroundError(name, exc))
        _show_background_error(name, exc)

    async def stop(self, name: str) -> None:
        resource = self._items.pop(name, None)
        if resource is not None:
            await resource.close()

    async def stop_all(self) -> None:
        """Para tudo, do mais novo para o mais antigo."""
        failures = []
        for name in reversed(list(self._items)):
            try:
                await self.stop(name)
            except Exception as exc:  # um recurso com defeito não impede os outros de parar
                failures.append((name, exc))
                log.exception("closing %r failed", name)
        self._items.clear()
        if failures:
            names = ", ".join(n for n, _ in failures)
            raise RuntimeError(f"Não consegui parar direito: {names}") from failures[0][1]

    def get(self, name: str) -> Resource:
        return self._items[name]

    def __contains__(self, name: str) -> bool:
        return name in self._items

    def names(self) -> list[str]:
        return list(self._items)

    def snapshot(self) -> Snapshot:
        return Snapshot(tuple(self._items), open_fds(), len(_user_tasks()), open_sockets())

    async def settle(self, before: Snapshot, attempts: int = 40) -> Snapshot:
        """Espera (até ~2 s) o sistema voltar ao estado de ``before``; devolve o estado final.

        Fechar um socket às vezes leva uma volta do laço de eventos; por isso a espera.
        """
        now = self.snapshot()
        for _ in range(attempts):
            if now.sockets <= before.sockets and now.tasks <= before.tasks and not now.resources:
                break
            await asyncio.sleep(0.05)
            now = self.snapshot()
        return now

    async def report_clean(self, before: Snapshot) -> None:
        """Imprime, em português, se algo ficou aberto desde ``before``."""
        now = await self.settle(before)
        problems = []
        if now.resources:
            problems.append(f"recursos ainda registrados: {', '.join(now.resources)}")
        # Conta sockets TCP/UDP, não todos os descritores: o JupyterLab abre, no kernel, canais
        # próprios para as mensagens dos widgets (subshells) depois da primeira célula, e eles
        # não são vazamento do notebook. (tests/test_notebooks_rerun.py confere os descritores.)
        if now.sockets > before.sockets:
            problems.append(f"{now.sockets - before.sockets} socket(s) TCP/UDP a mais")
        if now.tasks > before.tasks:
            problems.append(f"{now.tasks - before.tasks} tarefa(s) asyncio a mais")
        if problems:
            print("✘ Vazamento: " + "; ".join(problems))
        else:
            print("✔ Nada ficou aberto: nenhum servidor, nenhuma tarefa, nenhum socket a mais.")

    def __repr__(self) -> str:
        return f"Registry({', '.join(self._items) or 'vazio'})"


registry = Registry()

