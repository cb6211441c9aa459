"""MP4 (H.264) writing through imageio-ffmpeg's frame writer, and one-line reasons when ffmpeg fails."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["Mp4Writer", "ffmpeg_reason"]


class Mp4Writer:
    """H.264 (libx264, yuv420p) through imageio-ffmpeg; frames padded with ``bg`` to even sizes."""

    def __init__(self, path: Path, fps: float, size_hw: tuple[int, int], bg: int, ffmpeg):
        h, w = size_hw
        self.h2, self.w2 = h + (h % 2), w + (w % 2)
        self.bg = bg
        self.gen = ffmpeg.write_frames(
            os.fspath(path), (self.w2, self.h2), fps=fps, codec="libx264", pix_fmt_in="gray",
            pix_fmt_out="yuv420p", quality=None, bitrate=None, macro_block_size=1,
            output_params=["-crf", "18", "-preset", "superfast"], ffmpeg_log_level="error")
        self.gen.send(None)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.h2, self.w2):
            padded = np.full((self.h2, self.w2), self.bg, dtype=np.uint8)
            padded[:frame.shape[0], :frame.shape[1]] = frame
            frame = padded
        self.gen.send(np.ascontiguousarray(frame))

    def close(self, ok: bool) -> None:
        self.gen.close()


#: words of ffmpeg's log worth passing on, and how to say them
_REASONS = (("No space left", "no space left on the device"), ("Disk quota", "disk quota exceeded"),
            ("Permission denied", "permission denied"), ("File too large", "file too large"),
            ("Read-only file system", "read-only file system"))


def ffmpeg_reason(exc: BaseException) -> str:
    """One line for a failed ffmpeg (imageio-ffmpeg's message holds ffmpeg's whole log and command)."""
    text = str(exc).lower()
    for needle, reason in _REASONS:
        if needle.lower() in text:
            return reason
    return "ffmpeg stopped with an error (is the disk full or the file not writable?)"
