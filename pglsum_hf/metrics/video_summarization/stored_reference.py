"""How the evaluate metric stores one video's reference between ``add_batch`` and ``compute``.

evaluate writes every input to Arrow and reads it back as Python objects. Declared as nested lists, a TVSum
test split (20 users x 20k frames of summaries and scores, 1024-d features) becomes tens of millions of Python
numbers each way, which costs far more than the evaluation itself. This feature stores each array as its
dtype, shape and raw bytes instead, so the round trip is a copy, and gives numpy arrays back.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from datasets.features.features import register_feature

from .validation import OPTIONAL_FIELDS, REQUIRED_FIELDS, check_reference_fields

ARRAY_FIELDS = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)
_ARRAY_TYPE = pa.struct([("dtype", pa.string()), ("shape", pa.list_(pa.int64())), ("data", pa.large_binary())])


def _pack(value: Any, where: str, name: str) -> dict[str, Any]:
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise ValueError(f"{where}: {name} is not a regular array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{where}: {name} must be numeric, found shape {tuple(array.shape)} and dtype {array.dtype}")
    # A view of the C-order bytes (copied only when the array is not C-contiguous): Arrow copies it once, when
    # add_batch writes it. The shape (empty for a scalar) restores the array.
    data = memoryview(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": data}


def _unpack(stored: dict[str, Any]) -> np.ndarray:
    shape = stored["shape"] or ()  # a scalar (n_frames) has the empty shape, which may come back as None
    return np.frombuffer(stored["data"], dtype=np.dtype(stored["dtype"])).reshape(shape)


@dataclass
class VideoReference:
    """A ``datasets`` feature for a reference dict: each array as dtype + shape + bytes, ``video_id`` as text.

    Encoding checks the field names (an unknown field is an error, a missing optional one is stored as null);
    decoding returns the dict with numpy arrays (read-only views of the stored bytes) and no null fields.
    """

    decode: bool = True
    id: str | None = field(default=None, repr=False)
    pa_type: ClassVar[Any] = pa.struct([*((name, _ARRAY_TYPE) for name in ARRAY_FIELDS), ("video_id", pa.string())])
    _type: str = field(default="VideoSummarizationReference", init=False, repr=False)

    def __call__(self) -> pa.DataType:
        return self.pa_type

    def encode_example(self, value: Any) -> dict[str, Any]:
        video_id = value.get("video_id") if isinstance(value, dict) else None
        where = "reference" + (f" ({video_id!r})" if video_id else "")
        check_reference_fields(value, where)
        encoded = {name: None if value.get(name) is None else _pack(value[name], where, name) for name in ARRAY_FIELDS}
        encoded["video_id"] = None if video_id is None else str(video_id)
        return encoded

    def decode_example(self, value: dict[str, Any], token_per_repo_id: Any = None) -> dict[str, Any]:
        decoded = {name: _unpack(value[name]) for name in ARRAY_FIELDS if value.get(name) is not None}
        if value.get("video_id") is not None:
            decoded["video_id"] = value["video_id"]
        return decoded


# datasets reads the feature back by this name; its registry is marked experimental, which is not news to users.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    register_feature(VideoReference, "VideoSummarizationReference")
