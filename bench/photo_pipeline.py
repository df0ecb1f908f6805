"""Time the photo pipeline against Pillow merely decoding the same 12 MP phone JPEG.

Run: .venv/bin/python bench/photo_pipeline.py [repetitions]; ``make bench`` runs it too.
Goal: process_image ≤ 1.5 × decode_only. Runs are interleaved so drift in CPU
speed hits both sides alike; medians ignore the odd slow run.
"""
from __future__ import annotations

import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.uploads.images import decode_only, process_image  # noqa: E402

SIZE = (4000, 3000)


def phone_photo() -> bytes:
    """Gradients plus sensor-like noise so it compresses like a real photo, tagged as a phone would."""
    noise = Image.effect_noise(SIZE, 24)
    horizontal = Image.linear_gradient("L").resize(SIZE)
    vertical = horizontal.transpose(Image.Transpose.ROTATE_90).resize(SIZE)
    red = ImageChops.add(horizontal, noise, scale=2.0)
    green = ImageChops.add(vertical, noise, scale=2.0)
    blue = ImageChops.blend(horizontal, vertical, 0.5)
    photo = Image.merge("RGB", (red, green, blue))
    exif = Image.Exif()
    exif[0x0112] = 6  # held sideways: rotate 90° clockwise to view
    exif[0x010F] = "Xiaomi"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 13.0, 52.1), 3: "E", 4: (121.0, 27.0, 41.9)})
    out = BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(repetitions: int = 15) -> dict:
    """Medians of decode_only and process_image on the same photo, runs interleaved."""
    data = phone_photo()
    decode_only(data), process_image(data)  # warm caches and lazy imports
    decode_times, pipeline_times = [], []
    for _ in range(repetitions):
        for func, samples in ((decode_only, decode_times), (process_image, pipeline_times)):
            start = time.perf_counter()
            func(data)
            samples.append(time.perf_counter() - start)
    decode_ms, pipeline_ms = median_ms(decode_times), median_ms(pipeline_times)
    return {"data": data, "repetitions": repetitions, "decode_ms": decode_ms, "pipeline_ms": pipeline_ms,
            "ratio": pipeline_ms / decode_ms}


def main(repetitions: int = 15) -> None:
    figures = measure(repetitions)
    data = figures["data"]
    result = process_image(data)
    print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, {len(data) / 1e6:.1f} MB, {repetitions} runs each")
    print(f"output: {result.width}x{result.height} {len(result.content) / 1e3:.0f} KB, "
          f"thumbnail {result.thumb_width}x{result.thumb_height} {len(result.thumbnail) / 1e3:.0f} KB")
    print(f"decode_only   median {figures['decode_ms']:7.1f} ms")
    print(f"process_image median {figures['pipeline_ms']:7.1f} ms")
    print(f"ratio {figures['ratio']:.2f} (goal ≤ 1.5)")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:2]))
