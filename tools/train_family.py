#!/usr/bin/python3
"""Train the Austen model family: small GPT-2s of three sizes on the five Austen training novels.

Run with Debian's python3 and python3-torch (CPU), from the repository root:
    /usr/bin/python3 tools/train_family.py [--out data/austen-family] [--only NAME] [--tokens N]

Every model sees the same token stream (seeded, the same order), with BOS (50256) before each
window as n2g's sweeps do. The middle size also keeps checkpoints of its one run, step 0 (the
random initialisation) included. Each model is written in the Hugging Face GPT-2 layout that
n2g reads (config.json + model.safetensors, tensor names without the `transformer.` prefix, tied
lm_head), in F16, with its held-out cross-entropy on Persuasion in `training.json`.
Rerunning regenerates the same files (same seed, same threads).
"""
import argparse
import ctypes
import json
import math
import os
import struct
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

TRAIN = "../shared/data/austen_train_5novels.h5"
HELD_OUT = "data/austen-gpt2/persuasion.h5"
TOKENIZER_DIR = "../../austen-gpt2/model"   # relative to a model directory: symlinked, not copied
BOS = 50256
VOCAB = 50257
POSITIONS = 256

# name: (layers, d_model, heads, checkpoint steps as fractions of the run or None)
FAMILY = {
    "austen-s": (2, 64, 4, None),
    "austen-m": (3, 96, 4, (0.0, 0.1, 0.3, 1.0)),
    "austen-l": (4, 128, 4, None),
}


class Block(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = torch.nn.LayerNorm(d)
        self.c_attn = torch.nn.Linear(d, 3 * d)
        self.attn_proj = torch.nn.Linear(d, d)
        self.ln_2 = torch.nn.LayerNorm(d)
        self.c_fc = torch.nn.Linear(d, 4 * d)
        self.mlp_proj = torch.nn.Linear(4 * d, d)

    def forward(self, x, mask):  # x [B, T, d]
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.view(shape).transpose(1, 2) for z in (q, k, v))   # [B, H, T, d_head]
        scores = (q @ k.transpose(2, 3)) / math.sqrt(d // self.heads)
        scores = scores.masked_fill(mask[:t, :t], float("-inf"))
        z = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.attn_proj(z)
        hidden = F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")   # gelu_new
        return x + self.mlp_proj(hidden)


class GPT2(torch.nn.Module):
    def __init__(self, layers, d, heads):
        super().__init__()
        self.wte = torch.nn.Embedding(VOCAB, d)
        self.wpe = torch.nn.Embedding(POSITIONS, d)
        self.h = torch.nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(d)
        self.register_buffer("mask", torch.ones(POSITIONS, POSITIONS).triu(1).bool())
        for name, p in self.named_parameters():   # GPT-2's initialisation
            if name.endswith("bias"):
                torch.nn.init.zeros_(p)
            elif "ln_" in name:
                torch.nn.init.ones_(p)
            else:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith("proj.weight") else 0.02
                torch.nn.init.normal_(p, std=std)

    def forward(self, tokens):  # tokens [B, T] -> final residual [B, T, d] after ln_f
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1]))
        for block in self.h:
            x = block(x, self.mask)
        return self.ln_f(x)

    def loss_sum(self, tokens, targets):  # summed cross-entropy over [B, T] targets
        """Logits a window at a time: [T, VOCAB] float32 is 26 MB at T = 128, under glibc's largest
        mmap threshold, so the buffers are reused instead of mapped and faulted in every step."""
        final = self(tokens)
        return sum(F.cross_entropy(final[w] @ self.wte.weight.T, targets[w], reduction="sum")
                   for w in range(tokens.shape[0]))


def with_bos(windows):  # windows [B, 128] -> inputs [B, 128] (BOS + first 127), targets [B, 128]
    bos = torch.full((windows.shape[0], 1), BOS, dtype=torch.long)
    return torch.cat([bos, windows[:, :-1]], dim=1), windows


def held_out_loss(model, windows, batch=32):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(windows), batch):
            inputs, targets = with_bos(windows[start:start + batch])
            total += model.loss_sum(inputs, targets).item()
            count += targets.numel()
    model.train()
    return total / count


def hf_tensors(model):
    """The state in Hugging Face GPT-2 names; Conv1D weights are [in, out]."""
    out = {"wte.weight": model.wte.weight, "wpe.weight": model.wpe.weight,
           "ln_f.weight": model.ln_f.weight, "ln_f.bias": model.ln_f.bias}
    for i, b in enumerate(model.h):
        p = f"h.{i}."
        out.update({p + "ln_1.weight": b.ln_1.weight, p + "ln_1.bias": b.ln_1.bias,
                    p + "attn.c_attn.weight": b.c_attn.weight.T, p + "attn.c_attn.bias": b.c_attn.bias,
                    p + "attn.c_proj.weight": b.attn_proj.weight.T, p + "attn.c_proj.bias": b.attn_proj.bias,
                    p + "ln_2.weight": b.ln_2.weight, p + "ln_2.bias": b.ln_2.bias,
                    p + "mlp.c_fc.weight": b.c_fc.weight.T, p + "mlp.c_fc.bias": b.c_fc.bias,
                    p + "mlp.c_proj.weight": b.mlp_proj.weight.T, p + "mlp.c_proj.bias": b.mlp_proj.bias})
    return out


def write_safetensors(path, tensors):
    """F16 safetensors: an 8-byte header length, the JSON header, then the tensors' bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float16).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F16", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def save(directory, model, layers, d, heads, record):
    os.makedirs(directory, exist_ok=True)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
              "n_layer": layers, "n_embd": d, "n_head": heads, "n_inner": 4 * d, "n_positions": POSITIONS,
              "n_ctx": POSITIONS, "vocab_size": VOCAB, "bos_token_id": BOS, "eos_token_id": BOS,
              "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True, "scale_attn_weights": True,
              "torch_dtype": "float16"}
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(directory, "model.safetensors"), hf_tensors(model))
    with open(os.path.join(directory, "training.json"), "w") as f:
        json.dump(record, f, indent=2)
    for name in ("vocab.json", "merges.txt"):
        link = os.path.join(directory, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join(TOKENIZER_DIR, name), link)


def train(name, out, tokens_total, batch, seed, threads):
    layers, d, heads, checkpoints = FAMILY[name]
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    with h5py.File(TRAIN, "r") as f:
        train_windows = torch.from_numpy(f["tokens"][:].astype(np.int64))
    with h5py.File(HELD_OUT, "r") as f:
        held_out = torch.from_numpy(f["tokens"][:].astype(np.int64))
    model = GPT2(layers, d, heads)
    steps = tokens_total // (batch * train_windows.shape[1])
    keep = sorted({round(c * steps) for c in checkpoints}) if checkpoints else [steps]
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.9, 0.95), weight_decay=0.1)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) *
                                                 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    order = torch.Generator().manual_seed(seed)
    permutation = torch.randperm(len(train_windows), generator=order)
    cursor, start = 0, time.time()
    params = sum(p.numel() for p in model.parameters())   # wte counted once: lm_head is tied
    for step in range(steps + 1):
        if step in keep:
            loss = held_out_loss(model, held_out)
            directory = os.path.join(out, name if keep == [steps] else f"{name}-step{step:04d}")
            record = {"name": name, "layers": layers, "d_model": d, "d_mlp": 4 * d, "heads": heads,
                      "parameters": params, "step": step, "steps": steps, "batch_windows": batch,
                      "tokens_seen": step * batch * train_windows.shape[1], "seed": seed,
                      "persuasion_loss_nats": round(loss, 4), "train_seconds": round(time.time() - start, 1),
                      "threads": threads}
            save(directory, model, layers, d, heads, record)
            print(f"{name} step {step}/{steps}: Persuasion loss {loss:.3f} nats ({time.time() - start:.0f} s) -> {directory}",
                  flush=True)
        if step == steps:
            break
        if cursor + batch > len(permutation):
            permutation, cursor = torch.randperm(len(train_windows), generator=order), 0
        inputs, targets = with_bos(train_windows[permutation[cursor:cursor + batch]])
        cursor += batch
        loss = model.loss_sum(inputs, targets) / targets.numel()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 50 == 0:
            print(f"{name} step {step}/{steps}: train loss {loss.item():.3f} ({time.time() - start:.0f} s)", flush=True)


def keep_large_buffers():
    """glibc maps big buffers afresh each step and the page faults cost more than the products:
    serve up to 32 MB from the heap (M_MMAP_THRESHOLD) and never give it back (M_TRIM_THRESHOLD)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-3, 32 << 20)
    libc.mallopt(-1, 1 << 40)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="data/austen-family")
    parser.add_argument("--only", choices=sorted(FAMILY), action="append", help="train only these (repeatable)")
    parser.add_argument("--tokens", type=int, default=786_432, help="training tokens per model (384 steps of 16 windows)")
    parser.add_argument("--batch", type=int, default=16, help="windows of 128 tokens a step")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    keep_large_buffers()
    for name in args.only or sorted(FAMILY):
        train(name, args.out, args.tokens, args.batch, args.seed, args.threads)


if __name__ == "__main__":
    main()
