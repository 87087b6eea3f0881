"""A live stream of frames: a camera (its index) or a video file played in real time, read on
a thread into a short queue. When the consumer falls behind, the oldest waiting frame is
dropped (counted), so the delay between a frame's capture and its processing stays bounded."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from pathlib import Path

import cv2
import numpy as np

from microexp.predict.errors import PredictError

#: A camera that reports no frame rate is taken to run at this one.
CAMERA_FPS = 30.0
#: Frames allowed to wait for the consumer: the latency bound, in frames.
QUEUE = 2
#: Seconds without a frame (a camera that stalls) before the stream is ended.
STALL_S = 5.0

Frame = tuple[int, np.ndarray, float]  # (frame number, RGB uint8 image, capture time)


class LiveSource:
    """Frames of ``source`` as they come: ``"0"``, ``"1"``... a camera; a path: a video file
    played at its frame rate (``fps`` overrides a rate; a camera's own otherwise).

    :meth:`first` reads frame 0 (before :meth:`start`, for the face and the frame rate);
    :meth:`start` reads on a thread, keeping every ``stride``-th frame; :meth:`get` hands
    them over in order, waiting at most ``queue`` frames (older ones dropped and counted).

    Raises:
        PredictError: the camera or file cannot be opened, or gives no frame.
    """

    def __init__(
        self, source: str, fps: float | None = None, queue: int = QUEUE, stall_s: float = STALL_S
    ) -> None:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        self.name = str(source)
        self.kind = "camera" if self.name.isdigit() else "video"
        if self.kind == "video" and not Path(self.name).is_file():
            raise PredictError(
                f"live input {self.name} is neither a camera index (0, 1, ...) nor a video file"
            )
        self._cap = cv2.VideoCapture(int(self.name) if self.kind == "camera" else self.name)
        if not self._cap.isOpened():
            what = f"camera {self.name}" if self.kind == "camera" else f"video {self.name}"
            raise PredictError(f"cannot open {what}: no such device, busy, or not a video")
        own = self._cap.get(cv2.CAP_PROP_FPS)
        own = float(own) if own and math.isfinite(own) and 0 < own < 1000 else None
        self.fps: float = fps or own or CAMERA_FPS
        self.stride = 1
        self.stall_s = stall_s
        self.dropped = 0  # chain frames dropped because the consumer was behind
        self.frames_read = 0  # frames taken from the camera or file
        self.stalled = False  # the stream ended because no frame came for ``stall_s``
        self._queue: deque[Frame] = deque()
        self._size = max(1, queue)
        self._done = False
        self._stop = threading.Event()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def first(self) -> np.ndarray:
        """Frame 0, RGB uint8."""
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            self._cap.release()
            raise PredictError(f"{self.kind} {self.name} gives no frames (zero frames)")
        self._t0 = time.monotonic()
        self.frames_read = 1
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def start(self, stride: int = 1) -> None:
        """Read frames 1, 2, ... on a thread; frames ``stride``, ``2 stride``, ... are kept."""
        self.stride = stride
        self._thread = threading.Thread(target=self._read, name="live-source", daemon=True)
        self._thread.start()

    def get(self) -> Frame | None:
        """The next kept frame (waiting for it), or None at the end of the stream."""
        with self._ready:
            while not self._queue and not self._done:
                self._ready.wait(0.1)
            return self._queue.popleft() if self._queue else None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._cap.release()

    def _read(self) -> None:
        number = 1
        last = time.monotonic()
        try:
            while not self._stop.is_set():
                if self.kind == "video":  # real time: frame n is shown n / fps after frame 0
                    wait = self._t0 + number / self.fps - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                ok = self._cap.grab()
                if not ok:
                    if self.kind == "video" or time.monotonic() - last > self.stall_s:
                        self.stalled = self.kind == "camera"
                        break
                    time.sleep(0.01)
                    continue
                last = time.monotonic()
                self.frames_read = number + 1
                if number % self.stride == 0:
                    ok, bgr = self._cap.retrieve()
                    if ok and bgr is not None:
                        self._put((number, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), last))
                number += 1
        finally:
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def _put(self, frame: Frame) -> None:
        with self._ready:
            if len(self._queue) >= self._size:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(frame)
            self._ready.notify_all()
