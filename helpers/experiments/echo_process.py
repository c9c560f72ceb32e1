"""O servidor de eco medido no notebook 06, rodado como script (``python echo_process.py deflate``).

Roda por caminho, não como ``-m helpers...``: assim o subprocesso só importa o ``websockets`` e
sobe em uma fração do tempo (o pacote ``helpers`` inteiro traz widgets, matplotlib etc.). Ver
``helpers.experiments.measure.MeasuredServer``.

Com ``deflate``, o servidor aceita permessage-deflate com as configurações padrão do
``websockets``; um cliente que não pede compressão (``compression=None``) recebe uma conexão sem
ela, no mesmo servidor. ``GET /poll`` responde como um endpoint de polling comum.
"""

import asyncio
import sys

__all__ = ["serve"]


async def serve(compression: str | None) -> None:
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    async def echo(ws):
        try:
            async for message in ws:
                await ws.send(message)
        except Exception:  # um cliente que some no meio não interessa à medida
            pass

    def poll(connection, request):
        if request.path.startswith("/poll"):
            body = b"nada novo\n"
            headers = Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return Response(200, "OK", headers, body)
        return None

    async with serve(echo, "127.0.0.1", 0, compression=compression, ping_interval=None,
                     process_request=poll) as server:
        print(f"PORTA {server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Event().wait()  # roda até o processo ser terminado


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else "none"
    asyncio.run(serve(None if arg == "none" else "deflate"))
