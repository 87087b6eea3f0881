"""Read an offline wandb run's records without network (test helper).

A ``run-*.wandb`` file is a 7-byte W&B header followed by a LevelDB-style log (32 KiB blocks of
records with a 7-byte header: crc32c, length, type) whose payloads are ``wandb_internal_pb2``
``Record`` messages.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

BLOCK = 32768
RECORD_HEADER = 7
FILE_HEADER = 7


def records(path: Path) -> list:
    """Every protobuf ``Record`` of an offline run file."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = Path(path).read_bytes()
    if not data.startswith(b":W&B"):
        raise ValueError(f"{path} is not a wandb run file")
    out, pending, off = [], b"", FILE_HEADER
    while off + RECORD_HEADER <= len(data):
        left = BLOCK - off % BLOCK
        if left < RECORD_HEADER:
            off += left
            continue
        _, length, kind = struct.unpack("<IHB", data[off : off + RECORD_HEADER])
        if kind == 0 and length == 0:
            off += left
            continue
        payload = data[off + RECORD_HEADER : off + RECORD_HEADER + length]
        off += RECORD_HEADER + length
        if kind == 1:
            out.append(payload)
        elif kind == 2:
            pending = payload
        elif kind == 3:
            pending += payload
        elif kind == 4:
            out.append(pending + payload)
            pending = b""
    parsed = []
    for payload in out:
        record = pb.Record()
        record.ParseFromString(payload)
        parsed.append(record)
    return parsed


def history(path: Path) -> dict[str, list]:
    """Logged values by key (nested keys joined with '/'), in logging order."""
    values: dict[str, list] = {}
    for record in records(path):
        if record.WhichOneof("record_type") != "history":
            continue
        for item in record.history.item:
            key = item.key or "/".join(item.nested_key)
            values.setdefault(key, []).append(json.loads(item.value_json))
    return values
