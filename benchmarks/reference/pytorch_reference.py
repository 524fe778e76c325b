"""PyTorch-eager reference for the rankwise benchmarks.

Mirrors in plain PyTorch what the Java side (rankwise on DJL) runs for one setup that
dev.rankwise.benchmarks.reference.ReferenceExport wrote as two files:

  NAME.json         workload ("minilm" or "stack"), adapter (kind "none" | "lora" | "experts",
                    scaling, topK, count, routing "task" | "token", balance), the adapted layer
                    paths, the task count and the AdamW settings.
  NAME.safetensors  every weight under its block path (Hugging Face names for MiniLM, "layer.i" or
                    "i" for the linear stack), adapters as "<layer>.lora_A" ..., "head.weight" and
                    "head.bias", the batch ("input", "labels", "task_ids") and "expected.features",
                    the Java side's features on that batch (eval mode, adapters unmerged).

  python3 pytorch_reference.py train --export DIR/NAME --warmup W --measured M --threads T
  python3 pytorch_reference.py infer --export DIR/NAME --warmup W --measured M --threads T
  python3 pytorch_reference.py gemm --shapes 1024x384x384,... --warmup W --measured M --threads T

train  AdamW steps on the same batch, adapters and head trainable, base frozen. A step is
       zero_grad, forward, cross-entropy (+ token-routing balance losses), loss.item(), backward,
       gradient clipping, optimizer step. W untimed steps, then M timed ones; reports the step
       times and the objective of the first three steps.
infer  Under inference_mode: "base" (adapters skipped), "unmerged" (adapters applied) and, for
       LoRA, "merged" (the update folded into a copy of each weight). Each variant is warmed up W
       times, then M rounds time one forward of each variant in turn. Reports the times and
       max |features - expected.features| of the adapted variants (of "base" for kind "none").
gemm   x · Wᵀ (F.linear without bias) for each M×K×N: the matrix products underneath both sides.

One JSON object goes to stdout, progress to stderr. A bad or missing file, or a spec value this
script does not know, is reported on one stderr line with exit status 2. Not mirrored, as they
default to 0 on the Java side: adapter dropout, the task router's contrastive loss, adaptive ranks.
"""

import argparse
import json
import math
import os
import platform
import re
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HEADS = 12  # all-MiniLM-L6-v2: 12 heads of 32
LAYER_NORM_EPS = 1e-12
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U8": "u1", "BOOL": "?"}
BATCH = ("input", "labels", "task_ids")
EMBEDDINGS = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
              "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
              "embeddings.LayerNorm.bias"]
BERT_LINEARS = ["attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense", "intermediate.dense", "output.dense"]
BERT_LAYER = [f"{block}.{name}" for block in BERT_LINEARS + ["attention.output.LayerNorm", "output.LayerNorm"]
              for name in ("weight", "bias")]


class InputError(Exception):
    """A bad or missing input file; the message names the file and what is wrong."""


# ---------------------------------------------------------------- files

def read_safetensors(path):
    """All tensors of a safetensors file by name, each read straight into its own array."""
    try:
        with open(path, "rb") as file:
            file_size = os.fstat(file.fileno()).st_size
            (size,) = struct.unpack("<Q", file.read(8).ljust(8, b"\xff"))
            if size < 2 or 8 + size > file_size:
                raise InputError(f"{path}: header length {size} does not fit a {file_size}-byte file")
            try:
                header = json.loads(file.read(size).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise InputError(f"{path}: header is not JSON: {error}")
            if not isinstance(header, dict):
                raise InputError(f"{path}: header is not a JSON object")
            body = file_size - 8 - size
            return {name: read_tensor(path, file, 8 + size, body, name, entry)
                    for name, entry in header.items() if name != "__metadata__"}
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}")


def read_tensor(path, file, start, body, name, entry):
    try:
        dtype = np.dtype(DTYPES[entry["dtype"]])
        shape = [int(n) for n in entry["shape"]]
        begin, end = (int(n) for n in entry["data_offsets"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{path}: tensor {name!r} has a bad or unsupported entry {entry!r}")
    count = math.prod(shape)
    if min(shape, default=0) < 0 or not 0 <= begin <= end <= body \
            or end - begin != count * dtype.itemsize:
        raise InputError(f"{path}: tensor {name!r}: offsets [{begin}, {end}] of a {body}-byte body"
                         f" do not hold shape {shape} of {entry['dtype']}")
    array = np.empty(count, dtype)
    file.seek(start + begin)
    if file.readinto(array) != array.nbytes:
        raise InputError(f"{path}: tensor {name!r} is cut short")
    return torch.from_numpy(array.astype(dtype.newbyteorder("="), copy=False).reshape(shape))


def read_spec(path):
    """The setup's JSON, with every value this script acts on checked."""
    try:
        with open(path, encoding="utf-8") as file:
            spec = json.load(file)
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}")
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON: {error}")

    def need(condition, what):
        if not condition:
            raise InputError(f"{path}: {what}")

    def numbers(table, *keys, integer=False, minimum=0):
        for key in keys:
            value = table.get(key)
            need(isinstance(value, int if integer else (int, float)) and value >= minimum,
                 f"{key} must be a {'whole ' if integer else ''}number >= {minimum}, got {value!r}")

    need(isinstance(spec, dict), "not a JSON object")
    need(spec.get("workload") in ("minilm", "stack"), f"unknown workload {spec.get('workload')!r}")
    if spec["workload"] == "stack":
        numbers(spec, "stackLayers", integer=True, minimum=1)
    spec.setdefault("tasks", 1)
    numbers(spec, "tasks", integer=True, minimum=1)
    adapter = spec.get("adapter")
    need(isinstance(adapter, dict), "adapter must be an object")
    need(adapter.get("kind") in ("none", "lora", "experts"),
         f"unknown adapter kind {adapter.get('kind')!r}")
    adapter.setdefault("scaling", 1.0)
    numbers(adapter, "scaling")
    if adapter["kind"] == "experts":
        need(adapter.get("routing") in ("task", "token"), f"unknown routing {adapter.get('routing')!r}")
        numbers(adapter, "topK", "count", integer=True, minimum=1)
        need(adapter["topK"] <= adapter["count"], "need topK <= count")
        adapter.setdefault("balance", 0.0)
        numbers(adapter, "balance")
    layers = spec.get("layers")
    need(isinstance(layers, list) and all(isinstance(layer, str) for layer in layers),
         "layers must be a list of layer paths")
    need((adapter["kind"] == "none") == (not layers),
         f"adapter kind {adapter['kind']!r} with {len(layers)} adapted layers")
    need(isinstance(spec.get("optimizer"), dict), "optimizer must be an object")
    numbers(spec["optimizer"], "lr", "beta1", "beta2", "eps", "weightDecay", "maxGradNorm")
    return spec


# ---------------------------------------------------------------- model

class Model:
    """The exported weights, adapters, head and batch, with the forward pass of each variant."""

    def __init__(self, spec, spec_path, tensors, path):
        self.spec, self.tensors, self.path = spec, tensors, path
        self.adapter = spec["adapter"]
        self.kind, self.scaling = self.adapter["kind"], float(self.adapter["scaling"])
        for name, tensor in tensors.items():
            if name not in BATCH and tensor.dtype != torch.float32:
                raise InputError(f"{path}: tensor {name!r} is {tensor.dtype}, expected float32")
        if spec["workload"] == "minilm":
            self.check_minilm()
        else:
            self.check_stack()
        self.input = tensors["input"]
        rows = self.input.shape[0]
        self.labels = self.require("labels", (rows,), torch.int64)
        self.task_ids = self.require("task_ids", (rows,), torch.int64)
        self.expected = self.require("expected.features", (rows, None))
        classes = self.require("head.weight", (None, self.expected.shape[1])).shape[0]
        self.head = [tensors["head.weight"], self.require("head.bias", (classes,))]
        self.check_range("labels", self.labels, classes)
        self.check_range("task_ids", self.task_ids, spec["tasks"])
        for layer in spec["layers"]:
            if layer not in self.linear_paths:
                raise InputError(f"{spec_path}: layers lists {layer!r}, not a linear layer of the"
                                 f" {spec['workload']} workload")
        self.adapters = {layer: self.adapter_tensors(layer) for layer in spec["layers"]}
        self.weights = {"base": tensors, "unmerged": tensors}

    def require(self, name, shape=None, dtype=None):
        """The tensor called name, checked against shape (None: any size) and dtype."""
        tensor = self.tensors.get(name)
        if tensor is None:
            raise InputError(f"{self.path}: missing tensor {name!r}")
        if shape is not None and (tensor.dim() != len(shape) or any(
                want is not None and have != want for have, want in zip(tensor.shape, shape))):
            raise InputError(f"{self.path}: tensor {name!r} has shape {list(tensor.shape)},"
                             f" expected {['*' if n is None else n for n in shape]}")
        if dtype is not None and tensor.dtype != dtype:
            raise InputError(f"{self.path}: tensor {name!r} is {tensor.dtype}, expected {dtype}")
        return tensor

    def check_range(self, name, values, limit):
        if values.numel() and not 0 <= int(values.min()) <= int(values.max()) < limit:
            raise InputError(f"{self.path}: {name} outside [0, {limit})")

    def check_minilm(self):
        self.depth = 0
        while f"encoder.layer.{self.depth}.attention.self.query.weight" in self.tensors:
            self.depth += 1
        layers = [f"encoder.layer.{i}" for i in range(max(self.depth, 1))]
        for name in EMBEDDINGS + [f"{layer}.{part}" for layer in layers for part in BERT_LAYER]:
            self.require(name)
        self.linear_paths = {f"{layer}.{linear}" for layer in layers for linear in BERT_LINEARS}
        positions = self.tensors["embeddings.position_embeddings.weight"].shape[0]
        batch = self.require("input", (None, 2, None), torch.int64)
        if batch.shape[2] > positions:
            raise InputError(f"{self.path}: input longer than the {positions} positions")
        self.check_range("token ids", batch[:, 0], self.tensors["embeddings.word_embeddings.weight"].shape[0])
        self.check_range("attention mask", batch[:, 1], 2)

    def check_stack(self):
        self.depth = self.spec["stackLayers"]
        prefix = "layer." if "layer.0.weight" in self.tensors else ""  # DJL's own paths are "0", "1", ...
        self.stack_paths = self.linear_paths = [f"{prefix}{i}" for i in range(self.depth)]
        width = self.require(self.stack_paths[0] + ".weight", (None, None)).shape[1]
        for layer in self.stack_paths:
            self.require(layer + ".weight", (width, width))
        self.require("input", (None, None, width), torch.float32)

    def adapter_tensors(self, layer):
        """One layer's adapter tensors by short name, shape-checked against its weight."""
        out, inp = self.require(layer + ".weight", (None, None)).shape
        if self.kind == "lora":
            rank = self.require(layer + ".lora_A", (None, inp)).shape[0]
            shapes = {"lora_A": (rank, inp)}
            if layer + ".lora_T" in self.tensors:
                shapes["lora_T"] = (None, rank)
                rank = self.require(layer + ".lora_T", shapes["lora_T"]).shape[0]
            shapes["lora_B"] = (out, rank)
        else:
            r, tasks = self.adapter["count"], self.spec["tasks"]
            shapes = {"experts_A": (r, inp), "experts_B": (out, r)}
            if self.adapter["routing"] == "task":
                shapes.update(task_embedding=(tasks, inp), gate=(r, inp), task_gate=(tasks, r))
            else:
                shapes["router"] = (r, inp)
        return {name: self.require(f"{layer}.{name}", shape) for name, shape in shapes.items()}

    def merge(self):
        """Adds the "merged" weights: each LoRA update s·B'(T)A' folded into a copy of its weight."""
        weights = dict(self.tensors)
        for layer, p in self.adapters.items():
            down = p["lora_T"] @ p["lora_A"] if "lora_T" in p else p["lora_A"]
            weights[layer + ".weight"] = self.tensors[layer + ".weight"] + self.scaling * (p["lora_B"] @ down)
        self.weights["merged"] = weights

    def trainable(self):
        return [tensor for p in self.adapters.values() for tensor in p.values()] + self.head

    def variants(self):
        return {"none": ["base"], "lora": ["base", "unmerged", "merged"]}.get(self.kind, ["base", "unmerged"])

    def features(self, variant, aux=None):
        """The features (rows, width) of one variant; aux, if given, collects balance losses."""
        run = Pass(self.weights[variant], variant == "unmerged", aux)
        return self.minilm(run) if self.spec["workload"] == "minilm" else self.stack(run)

    def logits(self, features):
        return F.linear(features, self.head[0], self.head[1])

    # ------------------------------------------------------------ forward pieces

    def linear(self, run, layer, x):
        y = F.linear(x, run.weights[layer + ".weight"], run.weights.get(layer + ".bias"))
        if run.adapt and layer in self.adapters:
            y = y + self.scaling * self.update(run, self.adapters[layer], x)
        return y

    def update(self, run, p, x):
        if self.kind == "lora":
            h = x @ p["lora_A"].t()
            if "lora_T" in p:
                h = h @ p["lora_T"].t()
            return h @ p["lora_B"].t()
        g = self.task_gates(p, x) if self.adapter["routing"] == "task" else self.token_gates(run, p, x)
        return (x @ p["experts_A"].t() * g) @ p["experts_B"].t()

    def task_gates(self, p, x):
        """Straight-through gates (rows, 1, ..., R) from each row's task."""
        onehot = F.one_hot(self.task_ids, self.spec["tasks"]).float()
        scores = torch.softmax((onehot @ p["task_embedding"]) @ p["gate"].t() + onehot @ p["task_gate"], -1)
        g = straight_through(top_k_mask(scores, self.adapter["topK"]), scores)
        return g.reshape([g.shape[0]] + [1] * (x.dim() - 2) + [g.shape[1]])

    def token_gates(self, run, p, x):
        """Straight-through gates (..., R) per token; records the balance loss while training."""
        scores = torch.softmax(x @ p["router"].t(), -1)
        k, balance, r = self.adapter["topK"], self.adapter["balance"], scores.shape[-1]
        hard = top_k_mask(scores, k)
        if run.aux is not None and balance > 0:
            share = hard.reshape(-1, r).mean(0) / k
            run.aux.append((share * scores.reshape(-1, r).mean(0)).sum() * (balance * r))
        return straight_through(hard, scores)

    def minilm(self, run):
        w = run.weights
        ids, mask = self.input[:, 0], self.input[:, 1]
        rows, length = ids.shape
        x = (F.embedding(ids, w["embeddings.word_embeddings.weight"])
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = layer_norm(w, "embeddings.LayerNorm", x)
        bias = ((1 - mask.float()) * -1e9).reshape(rows, 1, 1, length)
        for i in range(self.depth):
            x = self.bert_layer(run, f"encoder.layer.{i}", x, bias)
        m = mask.float().unsqueeze(-1)
        return (x * m).sum(1) / m.sum(1).clamp(min=1)

    def bert_layer(self, run, prefix, x, bias):
        q, k, v = (split_heads(self.linear(run, f"{prefix}.attention.self.{name}", x))
                   for name in ("query", "key", "value"))
        scores = q @ k.transpose(-1, -2) * (1 / math.sqrt(q.shape[-1])) + bias
        context = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(x.shape)
        a = layer_norm(run.weights, f"{prefix}.attention.output.LayerNorm",
                       self.linear(run, f"{prefix}.attention.output.dense", context) + x)
        h = F.gelu(self.linear(run, f"{prefix}.intermediate.dense", a))  # erf GELU
        return layer_norm(run.weights, f"{prefix}.output.LayerNorm",
                          self.linear(run, f"{prefix}.output.dense", h) + a)

    def stack(self, run):
        x = self.input
        for i, layer in enumerate(self.stack_paths):
            x = self.linear(run, layer, x)
            if i < self.depth - 1:
                x = torch.relu(x)
        return x.mean(dim=1)


class Pass:
    """One forward pass: which weights, whether adapters run, where balance losses go."""

    def __init__(self, weights, adapt, aux):
        self.weights, self.adapt, self.aux = weights, adapt, aux


def layer_norm(weights, prefix, x):
    return F.layer_norm(x, x.shape[-1:], weights[prefix + ".weight"], weights[prefix + ".bias"],
                        LAYER_NORM_EPS)


def split_heads(x):
    rows, length, width = x.shape
    return x.reshape(rows, length, HEADS, width // HEADS).transpose(1, 2)


def top_k_mask(scores, k):
    """1 at the k best-scored experts of each row, 0 elsewhere; no gradient."""
    return F.one_hot(scores.detach().topk(k, dim=-1).indices, scores.shape[-1]).sum(-2).to(scores.dtype)


def straight_through(hard, soft):
    """hard forward, soft's gradient backward."""
    return hard + soft - soft.detach()


# ---------------------------------------------------------------- runs

def train(model, args):
    params = model.trainable()
    for tensor in params:
        tensor.requires_grad_(True)
    settings = model.spec["optimizer"]
    optimizer = torch.optim.AdamW(params, lr=settings["lr"], betas=(settings["beta1"], settings["beta2"]),
                                  eps=settings["eps"], weight_decay=settings["weightDecay"])
    losses, step_ms = [], []
    for step in range(args.warmup + args.measured):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        aux = []
        objective = F.cross_entropy(model.logits(model.features("unmerged", aux)), model.labels) + sum(aux)
        losses.append(objective.item())
        objective.backward()
        if settings["maxGradNorm"] > 0:
            torch.nn.utils.clip_grad_norm_(params, settings["maxGradNorm"])
        optimizer.step()
        elapsed = (time.perf_counter() - start) * 1000
        if step >= args.warmup:
            step_ms.append(elapsed)
        log(f"train step {step + 1}: {elapsed:.1f} ms, objective {losses[-1]:.6f}")
    return {"mode": "train", "name": model.spec.get("name"), "step_ms": step_ms, **summary(step_ms),
            "losses": losses[:3]}


def infer(model, args):
    variants = model.variants()
    if "merged" in variants:
        model.merge()
    times = {variant: [] for variant in variants}
    with torch.inference_mode():
        features = {variant: model.features(variant) for variant in variants}
        for variant in variants:
            for _ in range(args.warmup):
                model.features(variant)
        for _ in range(args.measured):
            for variant in variants:  # round-robin, so drift hits every variant alike
                start = time.perf_counter()
                model.features(variant)
                times[variant].append((time.perf_counter() - start) * 1000)
    checked = ["base"] if model.kind == "none" else variants[1:]
    for variant in variants:
        log(f"infer {variant}: median {statistics.median(times[variant]):.2f} ms")
    return {"mode": "infer", "name": model.spec.get("name"),
            "variants": {variant: summary(times[variant]) for variant in variants},
            "max_abs_diff": {v: float((features[v] - model.expected).abs().max()) for v in checked}}


def gemm(args):
    """x · Wᵀ, as a linear layer without bias computes it, for each M×K×N of --shapes: the BLAS underneath."""
    shapes = {}
    for shape in args.shapes.split(","):
        m, k, n = (int(size) for size in shape.split("x"))
        x, w = torch.randn(m, k), torch.randn(n, k)
        for _ in range(args.warmup):
            F.linear(x, w)
        times = []
        for _ in range(args.measured):
            start = time.perf_counter()
            F.linear(x, w)
            times.append((time.perf_counter() - start) * 1000)
        shapes[shape] = summary(times)
        log(f"gemm {shape}: median {shapes[shape]['median_ms']:.3f} ms")
    return {"mode": "gemm", "shapes": shapes}


def summary(ms):
    return {"median_ms": statistics.median(ms), "p10_ms": float(np.percentile(ms, 10)),
            "p90_ms": float(np.percentile(ms, 90))}


def header():
    """What the numbers ran on; peak RSS is read now, at the end."""
    with open("/proc/self/maps") as maps:  # BLAS_INFO alone says "generic" for Debian's build
        libraries = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return {"torch": torch.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads(),
            "blas": ", ".join(re.findall(r"\b(?:BLAS|LAPACK)_INFO=[^,\s]+", torch.__config__.show())),
            "blas_libraries": sorted({os.path.realpath(path) for path in libraries}),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def log(message):
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="PyTorch-eager reference of the rankwise benchmarks")
    parser.add_argument("mode", choices=("train", "infer", "gemm"))
    parser.add_argument("--export", help="DIR/NAME of NAME.json and NAME.safetensors (train, infer)")
    parser.add_argument("--shapes", default="1024x384x384", help="gemm: comma-separated MxKxN")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--measured", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    if args.warmup < 0 or args.measured < 1 or args.threads < 1:
        parser.error("need --warmup >= 0, --measured >= 1 and --threads >= 1")
    if args.mode != "gemm" and not args.export:
        parser.error(f"{args.mode} needs --export DIR/NAME")
    if args.mode == "gemm" and not re.fullmatch(r"\d+x\d+x\d+(,\d+x\d+x\d+)*", args.shapes):
        parser.error(f"--shapes must be MxKxN[,MxKxN...], got {args.shapes!r}")
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    if args.mode == "gemm":
        result = gemm(args)
        result.update(header())
        print(json.dumps(result))
        return 0
    try:
        spec_path, tensors_path = args.export + ".json", args.export + ".safetensors"
        model = Model(read_spec(spec_path), spec_path, read_safetensors(tensors_path), tensors_path)
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    result = train(model, args) if args.mode == "train" else infer(model, args)
    result.update(header())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
