"""Is a screenshot blank? Count, in the browser itself, the pixels that differ from the background.

Pillow is not a dependency of the course; Chromium decodes PNG anyway. The PNG is drawn on a
canvas in a throwaway ``about:blank`` page of the same context (so the page under test, with its
network blocked, is not touched).
"""

from __future__ import annotations

import base64
import pathlib

__all__ = ["ink_fraction"]

_COUNT = """async (b64) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = new Map();
  let total = 0;
  for (let i = 0; i < data.length; i += 4 * 3) {  // every third pixel is plenty
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
    total++;
  }
  return 1 - Math.max(...counts.values()) / total;
}"""


def ink_fraction(context, png: str | pathlib.Path | bytes) -> float:
    """Fraction of pixels of ``png`` that differ from its most common color (0 = blank page)."""
    data = png if isinstance(png, bytes) else pathlib.Path(png).read_bytes()
    scratch = context.new_page()
    try:
        return scratch.evaluate(_COUNT, base64.b64encode(data).decode("ascii"))
    finally:
        scratch.close()
