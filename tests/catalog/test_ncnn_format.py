"""Reading ncnn .param/.bin files: the official models' layout, and clear
errors (never a crash) for truncated, padded, mismatched or foreign files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import NCNN_DIR
from upscaler.catalog.ncnn_format import (
    TAG_FP16,
    NcnnFormatError,
    NcnnModel,
    UnsupportedLayerError,
    load_ncnn,
    parse_param,
    read_weights,
)
from upscaler.catalog.ncnn_recognise import MappingError, recognise

X4PLUS = "realesrgan-x4plus"
ANIME = "realesr-animevideov3-x4"

#: Facts from the files' own documentation (../shared/models/README.md),
#: not from our reader: the x4plus .bin is exactly this long for these parameters.
X4PLUS_BIN_BYTES = 33_424_520
X4PLUS_PARAMETERS = 16_697_987


def files(stem: str) -> tuple[Path, Path]:
    param, weights = NCNN_DIR / f"{stem}.param", NCNN_DIR / f"{stem}.bin"
    if not param.is_file():
        pytest.skip(f"the shared ncnn models are not at {NCNN_DIR}")
    return param, weights


def test_the_official_x4plus_reads_exactly() -> None:
    param, weights = files(X4PLUS)
    assert weights.stat().st_size == X4PLUS_BIN_BYTES
    model = load_ncnn(param, weights)
    convs = model.weights.convolutions
    assert len(model.graph.layers) == 999
    assert len(convs) == 351
    assert model.weights.parameter_count == X4PLUS_PARAMETERS
    assert model.weights.precision == "fp16-rounded"
    assert (model.graph.input_blob, model.graph.output_blob) == ("data", "output")
    first, dense = convs[0], convs[1]
    assert first.weight.shape == (64, 3, 3, 3) and first.activation == "none"
    assert dense.weight.shape == (32, 64, 3, 3)
    assert dense.activation == "leakyrelu" and dense.activation_slope == pytest.approx(0.2)
    assert first.weight.dtype == np.float32 and np.abs(first.weight).max() > 0.01


def test_array_and_float_parameters() -> None:
    graph = parse_param(
        "7767517\n3 3\nInput in 0 1 data\n"
        "Convolution c 1 1 data x 0=4 1=3 4=1 5=1 6=108 9=2 -23310=1,1.500000e-01\n"
        "Interp r 1 1 x y 0=1 1=2.000000e+00 2=2.000000e+00\n"
    )
    conv, resize = graph.layers[1], graph.layers[2]
    assert conv.params[10] == (0.15,) and conv.params[6] == 108
    assert resize.params[1] == 2.0 and isinstance(resize.params[0], int)


def test_every_official_model_is_recognised() -> None:
    expected: dict[str, tuple[str, dict[str, object]]] = {
        "realesrgan-x4plus": ("RRDBNet", {"num_block": 23}),
        "realesrgan-x4plus-anime": ("RRDBNet", {"num_block": 6}),
        "realesrgan-x4fast": ("SRVGGNetCompact", {"num_conv": 32, "act_type": "prelu"}),
        ANIME: ("SRVGGNetCompact", {"num_conv": 16, "act_type": "prelu"}),
    }
    for stem, (arch, params) in expected.items():
        recognised = recognise(load_ncnn(*files(stem)))
        assert recognised.arch == arch and recognised.scale == 4
        assert params.items() <= recognised.arch_params.items()


def test_a_truncated_bin_is_a_clear_error(tmp_path: Path) -> None:
    param, weights = files(ANIME)
    short = tmp_path / "short.bin"
    short.write_bytes(weights.read_bytes()[:-1000])
    with pytest.raises(NcnnFormatError, match="truncated"):
        load_ncnn(param, short)


def test_a_bin_with_bytes_left_over_is_refused(tmp_path: Path) -> None:
    param, weights = files(ANIME)
    long = tmp_path / "long.bin"
    long.write_bytes(weights.read_bytes() + b"\0" * 8)
    with pytest.raises(NcnnFormatError, match="8 bytes are left"):
        load_ncnn(param, long)


def test_another_models_bin_is_refused(tmp_path: Path) -> None:
    param, _ = files(ANIME)
    _, other = files("realesrgan-x4fast")
    with pytest.raises(NcnnFormatError, match=r"does not match the \.param"):
        load_ncnn(param, other)


def test_a_damaged_storage_tag_is_named(tmp_path: Path) -> None:
    param, weights = files(ANIME)
    damaged = tmp_path / "damaged.bin"
    data = bytearray(weights.read_bytes())
    assert struct.unpack_from("<I", data)[0] == TAG_FP16
    data[0:4] = b"\x12\x34\x56\x78"
    damaged.write_bytes(bytes(data))
    with pytest.raises(NcnnFormatError, match="unknown weight storage tag 0x78563412"):
        load_ncnn(param, damaged)


def test_non_finite_weights_are_refused(tmp_path: Path) -> None:
    param, weights = files(ANIME)
    data = bytearray(weights.read_bytes())
    data[4:6] = np.array([np.inf], dtype=np.float16).tobytes()
    bad = tmp_path / "inf.bin"
    bad.write_bytes(bytes(data))
    with pytest.raises(NcnnFormatError, match="NaN or infinite"):
        load_ncnn(param, bad)


def test_an_unknown_layer_is_named() -> None:
    param, _ = files(ANIME)
    text = param.read_text().replace("PReLU                    PRelu_3", "Softmax PRelu_3", 1)
    with pytest.raises(UnsupportedLayerError, match="'PRelu_3' is of type Softmax"):
        parse_param(text, source="custom.param")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no 7767517 magic"),
        ("7767517\nfour layers\n", "line 2"),
        ("7767517\n2 1\nInput in 0 1 data\n", "declares 2 layers but has 1"),
        ("7767517\n1 1\nInput in 0 1 data 0=abc\n", "cannot read parameter '0=abc'"),
        ("7767517\n1 1\nInput in 0 1\n", "fewer blobs"),
        ("7767517\n1 1\nInput in 0 1 data -23310=3,1.0\n", "cannot read parameter"),
    ],
)
def test_malformed_param_files(text: str, message: str) -> None:
    with pytest.raises(NcnnFormatError, match=message):
        parse_param(text)


def test_a_graph_that_is_not_an_upscaler_is_refused() -> None:
    """One convolution and nothing that enlarges the image."""
    graph = parse_param(
        "7767517\n2 2\nInput in 0 1 data\nConvolution c 1 1 data out 0=3 1=3 4=1 5=1 6=81\n"
    )
    weights = struct.pack("<I", 0) + np.zeros(81 + 3, np.float32).tobytes()
    model = NcnnModel(graph, read_weights(graph, weights))
    with pytest.raises(MappingError, match="neither an ESRGAN"):
        recognise(model)


def test_a_changed_residual_scaling_is_refused(tmp_path: Path) -> None:
    param, weights = files("realesrgan-x4plus-anime")
    text = param.read_text().replace(
        "-23301=2,2.000000e-01,1.000000e+00", "-23301=2,5.000000e-01,1.000000e+00", 1
    )
    changed = tmp_path / "changed.param"
    changed.write_text(text)
    with pytest.raises(MappingError, match=r"0\.2 x branch"):
        recognise(load_ncnn(changed, weights))
