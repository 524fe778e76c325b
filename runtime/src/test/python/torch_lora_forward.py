#!/usr/bin/env python3
"""Recomputes rankwise's exported PEFT adapters with torch alone, as PEFT would apply them.

The independent check behind PeftExportTest.torchRecomputesEveryExport (issue 21, point 5): no
rankwise and no PEFT code, only torch. For each exported adapter folder it builds the test model
(TwoTower: head.2(relu(head.0(query(x) + value(x))))) in torch from the base weights the test wrote,
wraps every module the adapter targets as PEFT v0.20.0 does, and compares the output with
rankwise's for the adapter's task. What it follows in PEFT's source (src/peft/...):
  - the folder: PeftModel.save_pretrained writes adapter_config.json and adapter_model.safetensors,
    an adapter not named "default" in <out>/<name>/ (peft_model.py);
  - the keys: get_peft_model_state_dict gives base_model.model.<module>.lora_A.weight / lora_B.weight,
    without the adapter name (utils/save_and_load.py), which set_peft_model_state_dict puts back;
  - which modules: check_target_module_exists, a list matching the name or a "." + suffix of it
    (tuners/tuners_utils.py);
  - rank and alpha: LoraConfig.r / lora_alpha, overridden per module by rank_pattern / alpha_pattern
    through get_pattern_key, re.match(rf"(.*\\.)?({key})$", name) (utils/other.py);
  - the forward: lora.layer.Linear.forward, result = base_layer(x) + lora_B(lora_A(dropout(x))) * scaling,
    scaling = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora (tuners/lora/layer.py).

Usage: torch_lora_forward.py CASE.safetensors NAME=FOLDER...
  CASE holds x, base.<module>.weight / .bias and expected.<NAME> (rankwise's output for that adapter).
Prints one JSON object: {"engine": ..., "adapters": {NAME: {"max_abs_diff": d, "scale": s}}}.
Exits 77 (skipped), saying why on standard output, if torch cannot be imported.
"""
import json
import math
import re
import struct
import sys
from pathlib import Path

try:
    import torch
except ImportError as missing:  # Debian: apt install python3-torch
    print(f"SKIP: torch cannot be imported ({missing}); install python3-torch to run this check")
    sys.exit(77)

PREFIX = "base_model.model."
MODULES = ("query", "value", "head.0", "head.2")


def read_safetensors(path):
    """The safetensors format: an 8-byte little-endian header length, a JSON header, the data."""
    raw = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, this check reads F32")
        begin, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info["shape"])
    return tensors


class LoraLinear(torch.nn.Module):
    """PEFT's lora.layer.Linear for one adapter, dropout 0 (inference)."""

    def __init__(self, base_layer, r, alpha, use_rslora):
        super().__init__()
        self.base_layer = base_layer
        self.lora_A = torch.nn.Linear(base_layer.in_features, r, bias=False)
        self.lora_B = torch.nn.Linear(r, base_layer.out_features, bias=False)
        self.scaling = alpha / math.sqrt(r) if use_rslora else alpha / r

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(x)) * self.scaling


def targeted(name, targets):
    if isinstance(targets, str):
        return re.fullmatch(targets, name) is not None
    return any(name == target or name.endswith("." + target) for target in targets)


def pattern_value(name, pattern, default):
    for key, value in pattern.items():
        if re.match(rf"(.*\.)?({key})$", name):
            return value
    return default


def linear(case, name):
    weight = case[f"base.{name}.weight"]
    layer = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=f"base.{name}.bias" in case)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if layer.bias is not None:
            layer.bias.copy_(case[f"base.{name}.bias"])
    return layer


def adapted_model(case, folder):
    config = json.loads((folder / "adapter_config.json").read_text())
    if config["peft_type"] != "LORA" or config.get("use_dora") or config.get("fan_in_fan_out"):
        raise ValueError(f"{folder}: not a plain LoRA adapter: {config}")
    state = read_safetensors(folder / "adapter_model.safetensors")
    modules = {}
    for name in MODULES:
        layer = linear(case, name)
        if targeted(name, config["target_modules"]):
            r = pattern_value(name, config.get("rank_pattern") or {}, config["r"])
            alpha = pattern_value(name, config.get("alpha_pattern") or {}, config["lora_alpha"])
            layer = LoraLinear(layer, r, alpha, config.get("use_rslora", False))
            with torch.no_grad():
                layer.lora_A.weight.copy_(state.pop(f"{PREFIX}{name}.lora_A.weight"))
                layer.lora_B.weight.copy_(state.pop(f"{PREFIX}{name}.lora_B.weight"))
        modules[name] = layer
    if state:
        raise ValueError(f"{folder}: keys for no targeted module of the model: {sorted(state)}")
    return modules


def forward(modules, x):
    hidden = torch.relu(modules["head.0"](modules["query"](x) + modules["value"](x)))
    return modules["head.2"](hidden)


def main(case_file, pairs):
    case = read_safetensors(case_file)
    results = {}
    with torch.no_grad():
        for pair in pairs:
            name, folder = pair.split("=", 1)
            actual = forward(adapted_model(case, Path(folder)), case["x"])
            expected = case[f"expected.{name}"]
            results[name] = {"max_abs_diff": (actual - expected).abs().max().item(),
                             "scale": max(1.0, expected.abs().max().item())}
    print(json.dumps({"engine": f"torch {torch.__version__}", "adapters": results}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
