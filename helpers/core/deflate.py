"""A compressão dos servidores do curso: permessage-deflate (RFC 7692) que cabe em 20 KiB por conexão.

Introduzido no notebook 06 (Uso consciente), seção 1; as medidas que justificam cada número moram em
``helpers.experiments.compression`` (a tabela janela × memLevel) e no benchmark.

Teoria de operação
------------------
Com *context takeover* (o padrão da RFC), cada conexão guarda, mesmo parada, um compressor zlib
para o que o servidor manda e um descompressor para o que o cliente manda: dezenas de KiB.
``DEFLATE_SETTINGS`` pede os dois ``*_no_context_takeover``: cada mensagem é comprimida (e
descomprimida) sozinha, e entre mensagens a conexão não guarda estado do zlib nenhum. A conexão
inteira fica em ≈ 16 KiB (≈ 14,5 sem compressão). O preço: as mensagens curtas do chat quase não
encolhem; as grandes (as páginas de histórico) encolhem mais de 80 %.

Uma exceção, medida: o cliente WebSocket do ``tornado`` (6.x), que o jupyter-server-proxy usa para
levar a página do JupyterHub e do Binder até o servidor, perde os parâmetros sem valor do header
``Sec-WebSocket-Extensions`` (``tornado.httputil._parse_header`` só guarda os ``nome=valor``). Ele
aceita ``client_no_context_takeover`` no handshake, mas continua comprimindo com o dicionário das
mensagens anteriores, e o nosso descompressor, que recomeça a cada mensagem, falha ("invalid
distance too far back": close 1002). Por isso ``keep_client_context_behind_proxy`` (um
``process_request`` do ``websockets``) tira esse parâmetro de quem chega por um proxy, isto é, de
um handshake cujo ``Host`` não é a porta deste servidor: esse cliente paga o descompressor
guardado (≈ 12 KiB a mais depois da primeira mensagem que manda), e funciona.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["DEFLATE_SETTINGS", "keep_client_context_behind_proxy", "server_extensions", "through_proxy"]

# Janela de 4 KiB (12 bits) e memLevel 5, os valores do websockets; sem nada guardado entre mensagens.
DEFLATE_SETTINGS = {"server_no_context_takeover": True, "client_no_context_takeover": True,
                    "server_max_window_bits": 12, "client_max_window_bits": 12,
                    "compress_settings": {"memLevel": 5}}


def server_extensions(settings: dict | None = None) -> list:
    """As extensões para ``websockets.serve(..., compression=None, extensions=...)``."""
    from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

    return [ServerPerMessageDeflateFactory(**(DEFLATE_SETTINGS if settings is None else settings))]


def through_proxy(host: str | None, port: int | None) -> bool:
    """O handshake veio por um proxy? Sim se o header ``Host`` não nomeia a porta ``port`` (a deste
    servidor): quem conecta direto manda o endereço que discou; um proxy repassa o do navegador.
    Sem porta (um socket Unix), não dá para saber: conta como proxy, o lado seguro."""
    if port is None:
        return True
    try:
        named = urlsplit(f"//{host}").port if host else None
    except ValueError:  # porta inválida no Host
        return True
    return named != port


def _keeping_client_context(factory):
    from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

    if not (isinstance(factory, ServerPerMessageDeflateFactory) and factory.client_no_context_takeover):
        return factory
    return ServerPerMessageDeflateFactory(
        server_no_context_takeover=factory.server_no_context_takeover, client_no_context_takeover=False,
        server_max_window_bits=factory.server_max_window_bits,
        client_max_window_bits=factory.client_max_window_bits, compress_settings=factory.compress_settings,
        require_client_max_window_bits=factory.require_client_max_window_bits)


def keep_client_context_behind_proxy(connection, request) -> None:
    """``process_request`` do ``websockets``: a quem chega por um proxy, não pede
    ``client_no_context_takeover`` (ver a teoria de operação). Não responde nada: o handshake segue."""
    address = connection.local_address  # (host, porta) em TCP; um caminho num socket Unix
    port = address[1] if isinstance(address, tuple) else None
    protocol = connection.protocol
    if protocol.available_extensions and through_proxy(request.headers.get("Host"), port):
        protocol.available_extensions = [_keeping_client_context(f) for f in protocol.available_extensions]
    return None
