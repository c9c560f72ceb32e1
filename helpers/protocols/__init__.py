"""Os protocolos escritos à mão, puros (bytes entram, valores saem): frames e handshake do WebSocket.
"""

from .wsframes import (
    CLOSE_CODES,
    Frame,
    FrameError,
    Opcode,
    apply_mask,
    decode_frame,
    decode_frames,
    encode_frame,
    encode_length,
    fragment,
)
from .handshake import SAMPLE_KEY, SAMPLE_MASK, RawWebSocket, accept_key

__all__ = [
    "CLOSE_CODES",
    "Frame",
    "FrameError",
    "Opcode",
    "RawWebSocket",
    "SAMPLE_KEY",
    "SAMPLE_MASK",
    "accept_key",
    "apply_mask",
    "decode_frame",
    "decode_frames",
    "encode_frame",
    "encode_length",
    "fragment",
]
