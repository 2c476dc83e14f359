"""A fake camera for Chromium: a QR code (or any picture) on a white 640x480 frame, written as
a short YUV4MPEG2 video (4:2:0, the `C420jpeg` layout Chromium's file capturer reads), which
`--use-file-for-fake-video-capture=FILE.y4m` plays in a loop."""
from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image

WIDTH, HEIGHT = 640, 480


def qr_image(text: str, *, box: int | None = None, border: int = 4) -> Image.Image:
    """The QR of `text` as a black-on-white picture, as large as fits the frame's height."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    modules = code.modules_count + 2 * border
    box = box or max(1, (HEIGHT - 40) // modules)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB").resize(
        (modules * box, modules * box), Image.NEAREST)


def frame_with(picture: Image.Image) -> Image.Image:
    """`picture` centred on a white 640x480 frame (scaled down to fit, if it is larger)."""
    picture = picture.convert("RGB")
    if picture.width > WIDTH or picture.height > HEIGHT:
        scale = min(WIDTH / picture.width, HEIGHT / picture.height)
        picture = picture.resize((int(picture.width * scale), int(picture.height * scale)), Image.NEAREST)
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    return frame


def yuv420_planes(frame: Image.Image) -> bytes:
    """Y at full size, then Cb and Cr subsampled 2x2 (JPEG's full-range YCbCr, as C420jpeg says)."""
    y, cb, cr = frame.convert("YCbCr").split()
    half = (frame.width // 2, frame.height // 2)
    return y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()


def write_y4m(path: Path | str, frame: Image.Image, *, frames: int = 5, fps: int = 10) -> Path:
    """Write `frames` copies of the 640x480 `frame` as a .y4m file."""
    path = Path(path)
    if frame.size != (WIDTH, HEIGHT):
        frame = frame_with(frame)
    planes = yuv420_planes(frame)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes)
    return path


def qr_video(path: Path | str, text: str, **kw) -> Path:
    """The fake camera's video of the QR code of `text`, centred on white."""
    return write_y4m(path, frame_with(qr_image(text)), **kw)


def blank_video(path: Path | str) -> Path:
    """A camera that sees a white wall (no code)."""
    return write_y4m(path, Image.new("RGB", (WIDTH, HEIGHT), "white"), frames=2)
