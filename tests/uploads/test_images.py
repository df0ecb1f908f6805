"""The photo pipeline on real images made here with Pillow and pillow-heif."""
from __future__ import annotations

import struct
import time
import zlib
from io import BytesIO

import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageFile

from backend.core.errors import DomainError
from backend.uploads.images import MAX_SIDE, THUMB_SIDE, process_image

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
GPS_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>31,13.8N</exif:GPSLatitude></x:xmpmeta>'


def exif_bytes(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Xiaomi"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 13.0, 52.1), 3: "E", 4: (121.0, 27.0, 41.9)})
    return exif.tobytes()


def marked(size: tuple[int, int]) -> Image.Image:
    """A white image with a red block in its stored top-left corner."""
    image = Image.new("RGB", size, WHITE)
    image.paste(RED, (0, 0, size[0] // 4, size[1] // 4))
    return image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def heic(image: Image.Image, **params) -> bytes:
    out = BytesIO()
    pillow_heif.from_pillow(image).save(out, quality=90, **params)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    assert image.format == "JPEG" and image.mode == "RGB"
    return image


def close_to(pixel, expected, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected))


def jpeg_markers(data: bytes) -> list[int]:
    """The marker of every segment before the image data."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:  # start of scan
        markers.append(data[pos + 1])
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return markers


def refused(data: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        process_image(data)
    return caught.value


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    assert not image.getexif()
    assert not {"exif", "xmp", "comment"} & image.info.keys()
    # Only JFIF (APP0) and an ICC profile (APP2) may precede the pixels: no EXIF/XMP (APP1), IPTC (APP13), COM.
    assert {m for m in jpeg_markers(data) if 0xE0 <= m <= 0xEF or m == 0xFE} <= {0xE0, 0xE2}
    assert b"Xiaomi" not in data and b"GPS" not in data


ORIENTED_SOURCES = {
    "jpeg": lambda: encode(marked((400, 300)), "JPEG", quality=95, exif=exif_bytes(6), xmp=GPS_XMP, comment="张三 13812345678"),
    "png": lambda: encode(marked((400, 300)), "PNG", exif=exif_bytes(6)),
    "webp": lambda: encode(marked((400, 300)), "WEBP", quality=95, exif=exif_bytes(6), xmp=GPS_XMP),
    "heic": lambda: heic(marked((400, 300)), exif=exif_bytes(6), xmp=GPS_XMP),
}


@pytest.mark.parametrize("fmt", ORIENTED_SOURCES)
def test_photo_is_turned_upright_and_stripped_of_metadata(fmt):
    source = ORIENTED_SOURCES[fmt]()
    assert b"Xiaomi" in source

    result = process_image(source)

    assert result.source_format == fmt and result.mime == "image/jpeg"
    assert (result.width, result.height) == (300, 400)
    image = opened(result.content)
    assert image.size == (300, 400)
    # Orientation 6 means "rotate 90° clockwise to view": the stored top-left lands top-right.
    assert close_to(image.getpixel((image.width - 20, 20)), RED)
    assert close_to(image.getpixel((20, 20)), WHITE)
    assert_no_metadata(result.content)
    assert_no_metadata(result.thumbnail)


def test_twelve_megapixel_phone_jpeg_is_decoded_small_rotated_and_capped():
    source = encode(marked((4000, 3000)), "JPEG", quality=90, exif=exif_bytes(6))

    result = process_image(source)

    # Decoded at half scale: 2000 px fits under the 2048 cap without a second resize.
    assert (result.width, result.height) == (1500, 2000)
    assert (result.thumb_width, result.thumb_height) == (360, 480)
    assert opened(result.thumbnail).size == (360, 480)
    assert close_to(opened(result.content).getpixel((1450, 50)), RED)
    assert close_to(opened(result.thumbnail).getpixel((350, 10)), RED)


@pytest.mark.parametrize("fmt, size, expected", [
    ("PNG", (5000, 2500), (2048, 1024)),
    ("JPEG", (5000, 2500), (2048, 1024)),  # drafted to 2500×1250, then resized
    ("JPEG", (3000, 2000), (2048, 1365)),  # half scale would undershoot: decoded in full
    ("WEBP", (1000, 3000), (683, 2048)),
])
def test_large_image_is_resized_to_long_side_2048(fmt, size, expected):
    result = process_image(encode(marked(size), fmt))

    assert (result.width, result.height) == expected
    assert max(result.width, result.height) <= MAX_SIDE
    assert max(result.thumb_width, result.thumb_height) == THUMB_SIDE
    assert opened(result.content).size == expected


def test_small_image_is_not_enlarged():
    result = process_image(encode(marked((320, 200)), "PNG"))

    assert (result.width, result.height) == (320, 200)
    assert (result.thumb_width, result.thumb_height) == (320, 200)


def test_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 100, 100))

    result = process_image(encode(image, "PNG"))

    flat = opened(result.content)
    assert close_to(flat.getpixel((50, 50)), BLUE)
    assert close_to(flat.getpixel((150, 50)), WHITE)


def test_palette_png_with_transparent_index_is_flattened_on_white():
    image = Image.new("P", (200, 100), 0)
    image.putpalette([0, 0, 0, 0, 0, 255])
    image.paste(1, (0, 0, 100, 100))

    flat = opened(process_image(encode(image, "PNG", transparency=0)).content)

    assert close_to(flat.getpixel((50, 50)), BLUE)
    assert close_to(flat.getpixel((150, 50)), WHITE)


def test_transparent_webp_is_flattened_on_white():
    image = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 100, 100))

    result = process_image(encode(image, "WEBP", lossless=True))

    assert result.source_format == "webp"
    flat = opened(result.content)
    assert close_to(flat.getpixel((50, 50)), BLUE)
    assert close_to(flat.getpixel((150, 50)), WHITE)


def test_heic_photo_is_accepted():
    result = process_image(heic(marked((640, 480))))

    assert result.source_format == "heic"
    assert (result.width, result.height) == (640, 480)
    assert close_to(opened(result.content).getpixel((20, 20)), RED)


def test_multi_picture_jpeg_from_a_phone_is_accepted():
    source = encode(marked((800, 600)), "MPO", save_all=True, append_images=[marked((200, 150))])
    assert Image.open(BytesIO(source)).format == "MPO"

    result = process_image(source)

    assert result.source_format == "jpeg"
    assert (result.width, result.height) == (800, 600)


def test_grayscale_and_cmyk_jpegs_come_out_rgb():
    for mode in ("L", "CMYK"):
        result = process_image(encode(Image.new(mode, (64, 64)), "JPEG"))
        assert opened(result.content).size == (64, 64)


def test_rgb_colour_profile_is_kept_and_a_foreign_one_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    gray = srgb[:16] + b"GRAY" + srgb[20:]

    kept = process_image(encode(marked((64, 64)), "JPEG", icc_profile=srgb))
    dropped = process_image(encode(Image.new("L", (64, 64), 200), "JPEG", icc_profile=gray))

    assert opened(kept.content).info["icc_profile"] == srgb
    assert opened(kept.thumbnail).info["icc_profile"] == srgb
    assert "icc_profile" not in opened(dropped.content).info


GIF = encode(marked((40, 40)), "GIF")
NOT_ACCEPTED = {
    "empty": b"",
    "text": "小区门口垃圾堆积".encode(),
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "gif": GIF,
    "bmp": encode(marked((40, 40)), "BMP"),
    "tiff": encode(marked((40, 40)), "TIFF"),
    "avif": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64),
    "jpeg magic cut short": b"\xff\xd8",
}


@pytest.mark.parametrize("name", NOT_ACCEPTED)
def test_anything_but_jpeg_png_webp_heic_is_refused_by_content(name):
    error = refused(NOT_ACCEPTED[name])

    assert (error.code, error.status) == ("unsupported_image_type", 415)
    assert error.message == "只支持 JPEG、PNG、WebP、HEIC 格式的图片"


PHOTO = encode(marked((800, 600)), "JPEG")
DAMAGED = {
    "truncated jpeg": PHOTO[: len(PHOTO) // 2],
    "jpeg header only": PHOTO[:200],
    "truncated png": encode(marked((800, 600)), "PNG")[:300],
    "png magic then junk": b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20,
    "webp magic then junk": b"RIFF\x00\x01\x00\x00WEBPVP8 " + bytes(40),
    "truncated heic": heic(marked((256, 256)))[:400],
}


@pytest.mark.parametrize("name", DAMAGED)
def test_truncated_or_corrupt_image_is_422(name):
    error = refused(DAMAGED[name])

    assert (error.code, error.status, error.message) == ("image_corrupt", 422, "图片已损坏，无法读取")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int, with_pixels: bool) -> bytes:
    """A 1-bit PNG of the given size: all-zero rows deflate to ~0.1% of their size."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    pixels = b""
    if with_pixels:
        compressor, row_block = zlib.compressobj(9), bytes((1 + (width + 7) // 8) * 1000)
        pixels = b"".join([compressor.compress(row_block) for _ in range(height // 1000)] + [compressor.flush()])
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header is rewritten to claim a huge size."""
    data = bytearray(encode(marked((64, 64)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.fixture(scope="module")
def real_png_bomb() -> bytes:
    bomb = png_bomb(30000, 30000, with_pixels=True)
    assert len(bomb) < 200_000  # 900 megapixels in ~110 KB
    return bomb


@pytest.fixture
def pixels_must_not_be_decoded(monkeypatch):
    def refuse_to_load(self):
        raise AssertionError("pixels were decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_load)


@pytest.mark.parametrize("name, make", [
    ("900 MP png, Pillow's own error", lambda: png_bomb(30000, 30000, with_pixels=False)),
    ("100 MP png, Pillow's warning", lambda: png_bomb(10000, 10000, with_pixels=False)),
    ("48 MP png, under Pillow's limit", lambda: png_bomb(8000, 6000, with_pixels=False)),
    ("jpeg claiming 60000x60000", lambda: jpeg_claiming(60000, 60000)),
    ("jpeg claiming 8000x6000", lambda: jpeg_claiming(8000, 6000)),
])
def test_oversized_header_is_413_before_decoding(name, make, pixels_must_not_be_decoded):
    error = refused(make())

    assert (error.code, error.status, error.message) == ("image_too_large", 413, "图片尺寸过大")


def test_real_decompression_bomb_is_refused_fast(real_png_bomb, pixels_must_not_be_decoded):
    started = time.perf_counter()
    error = refused(real_png_bomb)

    assert error.status == 413
    assert time.perf_counter() - started < 0.5
