"""MP4 (H.264) writing through the ffmpeg binary that imageio-ffmpeg ships, with one-line errors.

ffmpeg runs as a child process fed raw grey frames on stdin. Its log goes to an anonymous temporary
file, not to the terminal (imageio-ffmpeg's own writer lets ffmpeg print there and ignores its exit
status, so a disk filling up while the file is finished would go unnoticed): a failure becomes ONE
line naming the reason, and the caller's atomic write removes the partial file.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["FfmpegError", "Mp4Writer", "ffmpeg_reason"]


class FfmpegError(RuntimeError):
    """ffmpeg failed; the message is one line for the user."""


class Mp4Writer:
    """H.264 (libx264, yuv420p, CRF 18); frames padded with ``bg`` to even sizes (yuv420p needs them)."""

    def __init__(self, path: Path, fps: float, size_hw: tuple[int, int], bg: int, ffmpeg):
        h, w = size_hw
        self.h2, self.w2 = h + (h % 2), w + (w % 2)
        self.bg = bg
        self.log = tempfile.TemporaryFile()
        cmd = [ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray",
               "-s", f"{self.w2}x{self.h2}", "-r", f"{fps:.6g}", "-i", "-", "-an", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", "-crf", "18", "-preset", "superfast", "-f", "mp4", os.fspath(path)]
        # its own session: Ctrl-C reaches Python, which stops ffmpeg in close()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.h2, self.w2):
            padded = np.full((self.h2, self.w2), self.bg, dtype=np.uint8)
            padded[:frame.shape[0], :frame.shape[1]] = frame
            frame = padded
        try:
            self.proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        except (BrokenPipeError, OSError):
            self.proc.wait()
            raise FfmpegError(ffmpeg_reason(self._log_text())) from None

    def close(self, ok: bool) -> None:
        proc = self.proc
        try:
            if ok:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
                code = proc.wait()
                if code != 0:
                    raise FfmpegError(ffmpeg_reason(self._log_text()))
            else:
                proc.kill()
                proc.wait()
        finally:
            if proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            self.log.close()

    def _log_text(self) -> str:
        self.log.seek(0)
        return self.log.read(65536).decode("utf-8", "replace")


#: words of ffmpeg's log worth passing on, and how to say them
_REASONS = ("No space left on device", "Disk quota exceeded", "Permission denied", "File too large",
            "Read-only file system", "Input/output error")


def ffmpeg_reason(log: str) -> str:
    """One line for a failed ffmpeg, from its log."""
    text = log.lower()
    for reason in _REASONS:          # worded as the OS words them (as in the GIF/PNG messages)
        if reason.lower() in text:
            return reason
    return "ffmpeg stopped with an error (is the disk full or the file not writable?)"
