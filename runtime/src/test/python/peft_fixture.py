#!/usr/bin/env python3
"""Writes a plain-LoRA adapter exactly as Hugging Face PEFT lays it out, with the standard library only.

It is the independent writer behind PeftInteropTest: the test loads these files into rankwise and
compares the adapted layer's output with the output computed here in pure Python.

What it mirrors, in PEFT v0.20.0's source (src/peft/...):
  - the files: PeftModel.save_pretrained writes adapter_config.json (LoraConfig.to_dict, a subset of
    LoraConfig's fields here; tuners/lora/config.py) and adapter_model.safetensors with metadata
    {"format": "pt"} (peft_model.py);
  - the keys: get_peft_model_state_dict (utils/save_and_load.py) returns base_model.model.<module>.
    lora_A.weight (r, in) and lora_B.weight (out, r), the adapter name removed, which
    set_peft_model_state_dict puts back on load;
  - the output: lora.layer.Linear.forward (tuners/lora/layer.py), base_layer(x) + lora_B(lora_A(x)) *
    scaling with scaling = lora_alpha / r.

Regenerate (from the repository root):
    python3 runtime/src/test/python/peft_fixture.py runtime/src/test/resources/peft/plain-lora
"""
import json
import random
import struct
import sys
from pathlib import Path

IN, OUT, R, ALPHA = 6, 8, 2, 4.0
PATH = "query"  # the block path of the adapted layer in the test model


def matrix(rows, cols, rng):
    return [[round(rng.uniform(-1, 1), 4) for _ in range(cols)] for _ in range(rows)]


def write_safetensors(file, tensors):
    header, offset, data = {"__metadata__": {"format": "pt"}}, 0, b""
    for name, rows in tensors.items():
        flat = [v for row in rows for v in row]
        header[name] = {"dtype": "F32", "shape": [len(rows), len(rows[0])],
                        "data_offsets": [offset, offset + 4 * len(flat)]}
        data += struct.pack("<%df" % len(flat), *flat)
        offset += 4 * len(flat)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-(len(text) + 8) % 8)
    file.write_bytes(struct.pack("<Q", len(text)) + text.encode() + data)


def f32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def main(out_dir):
    rng = random.Random(2025)
    w0, b0 = matrix(OUT, IN, rng), [round(rng.uniform(-1, 1), 4) for _ in range(OUT)]
    a, b = matrix(R, IN, rng), matrix(OUT, R, rng)
    x = matrix(3, IN, rng)
    scale = ALPHA / R
    y = []
    for row in x:
        hidden = [sum(f32(a[k][i]) * f32(row[i]) for i in range(IN)) for k in range(R)]
        y.append([sum(f32(w0[o][i]) * f32(row[i]) for i in range(IN)) + f32(b0[o])
                  + scale * sum(f32(b[o][k]) * hidden[k] for k in range(R)) for o in range(OUT)])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    prefix = "base_model.model." + PATH
    write_safetensors(out / "adapter_model.safetensors",
                      {prefix + ".lora_A.weight": a, prefix + ".lora_B.weight": b})
    config = {"peft_type": "LORA", "r": R, "lora_alpha": ALPHA, "lora_dropout": 0.0,
              "target_modules": [PATH], "bias": "none", "fan_in_fan_out": False,
              "use_rslora": False, "task_type": None, "inference_mode": True,
              "base_model_name_or_path": None}
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "expected.json").write_text(json.dumps(
        {"path": PATH, "in": IN, "out": OUT, "weight": w0, "bias": b0, "input": x, "output": y},
        indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "plain-lora")
