#!/usr/bin/env python3
"""Reads a rankwise adapter directory the way PEFT would, with the standard library only.

Checks what PEFT's loader relies on (the safetensors layout, F32 tensors keyed
base_model.model.<module>.lora_A.weight / lora_B.weight with (r, in) and (out, r) shapes, and an
adapter_config.json with peft_type LORA, r and lora_alpha) and prints, as JSON, every tensor's
shape and sum, for PeftInteropTest to compare with what rankwise wrote.

The rules are PEFT v0.20.0's (src/peft/...): set_peft_model_state_dict (utils/save_and_load.py)
reads keys as get_peft_model_state_dict wrote them, base_model.model.<module>.lora_A.weight and
.lora_B.weight with no adapter name; LoraConfig (tuners/lora/config.py) gives r and lora_alpha, and
check_target_module_exists (tuners/tuners_utils.py) which modules target_modules names.

Usage: python3 read_adapter.py <adapter directory>
"""
import json
import struct
import sys
from pathlib import Path


def main(directory):
    directory = Path(directory)
    config = json.loads((directory / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA", config["peft_type"]
    r, alpha = int(config["r"]), float(config["lora_alpha"])
    raw = (directory / "adapter_model.safetensors").read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        count = 1
        for dim in info["shape"]:
            count *= dim
        assert end - begin == 4 * count, name
        values = struct.unpack("<%df" % count, data[begin:end])
        assert name.startswith("base_model.model.") and name.endswith(".weight"), name
        module, kind = name[len("base_model.model."):-len(".weight")].rsplit(".", 1)
        assert kind in ("lora_A", "lora_B"), name
        assert module in config["target_modules"], (module, config["target_modules"])
        if kind == "lora_A":
            assert info["shape"][0] == r, (name, info["shape"])
        else:
            assert info["shape"][1] == r, (name, info["shape"])
        tensors[name] = {"shape": info["shape"], "sum": sum(values)}
    print(json.dumps({"r": r, "lora_alpha": alpha, "tensors": tensors}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
