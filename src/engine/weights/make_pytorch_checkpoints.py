"""Writes pytorch_model.bin fixtures for pytorch-checkpoint.test.ts and src/hub/model-contents.test.ts.

Usage: python3 make_pytorch_checkpoints.py OUT_DIR

A tiny BertForSequenceClassification state dict, named as old Hub checkpoints name it (LayerNorm
gamma/beta, an int64 position_ids buffer, a tied MLM decoder), with the layouts a reader must get
right: float16 and bfloat16 tensors, a transposed view, biases that are slices of one storage, a
strided view. Each is saved in the zip format (torch >= 1.6) and the legacy one, next to
expected.json with every tensor's shape and values (as float64 of the float32 widening) and a
config.json. base.bin is the same without the `bert.` prefix and the classifier, as
BertModel.save_pretrained writes it; evil.bin pickles a call to os.system next to a tensor;
big-endian.bin is zip.bin as newer torch versions write it on a big-endian machine (a byteorder record
saying "big", every storage's elements byte-swapped), which torch 1.13 cannot write itself.
"""

import collections
import json
import os
import pickle
import sys
import zipfile

import numpy
import torch

HIDDEN = 8
INTERMEDIATE = 16
VOCAB = 12
POSITIONS = 10
LABELS = 3


def state_dict():
    g = torch.Generator().manual_seed(7)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    sd = collections.OrderedDict()
    words = randn(VOCAB, HIDDEN)
    e = "bert.embeddings."
    sd[e + "word_embeddings.weight"] = words
    sd[e + "position_embeddings.weight"] = randn(POSITIONS, HIDDEN)
    sd[e + "token_type_embeddings.weight"] = randn(2, HIDDEN)
    sd[e + "LayerNorm.gamma"] = 1 + randn(HIDDEN) / 10
    sd[e + "LayerNorm.beta"] = randn(HIDDEN) / 10
    sd[e + "position_ids"] = torch.arange(POSITIONS).expand((1, -1))

    a = "bert.encoder.layer.0.attention."
    sd[a + "self.query.weight"] = randn(HIDDEN, HIDDEN)
    sd[a + "self.key.weight"] = randn(HIDDEN, HIDDEN).t()
    sd[a + "self.value.weight"] = randn(HIDDEN, HIDDEN)
    qkv_bias = randn(3 * HIDDEN)
    sd[a + "self.query.bias"] = qkv_bias[:HIDDEN]
    sd[a + "self.key.bias"] = qkv_bias[HIDDEN : 2 * HIDDEN]
    sd[a + "self.value.bias"] = qkv_bias[2 * HIDDEN :]
    sd[a + "output.dense.weight"] = randn(HIDDEN, HIDDEN)
    sd[a + "output.dense.bias"] = randn(2 * HIDDEN)[::2]
    sd[a + "output.LayerNorm.gamma"] = 1 + randn(HIDDEN) / 10
    sd[a + "output.LayerNorm.beta"] = randn(HIDDEN) / 10

    l = "bert.encoder.layer.0."
    sd[l + "intermediate.dense.weight"] = randn(INTERMEDIATE, HIDDEN).half()
    sd[l + "intermediate.dense.bias"] = randn(INTERMEDIATE)
    sd[l + "output.dense.weight"] = randn(HIDDEN, INTERMEDIATE).bfloat16()
    sd[l + "output.dense.bias"] = randn(HIDDEN)
    sd[l + "output.LayerNorm.gamma"] = 1 + randn(HIDDEN) / 10
    sd[l + "output.LayerNorm.beta"] = randn(HIDDEN) / 10

    sd["bert.pooler.dense.weight"] = randn(HIDDEN, HIDDEN)
    sd["bert.pooler.dense.bias"] = randn(HIDDEN)
    sd["classifier.weight"] = randn(LABELS, HIDDEN)
    sd["classifier.bias"] = randn(LABELS)
    sd["cls.predictions.decoder.weight"] = words

    # The fixture must keep exercising the layouts it claims to.
    assert not sd[a + "self.key.weight"].is_contiguous()
    assert sd[a + "self.key.bias"].storage_offset() == HIDDEN
    assert sd[a + "output.dense.bias"].stride() == (2,)
    assert sd["cls.predictions.decoder.weight"].data_ptr() == words.data_ptr()
    return sd


def expected(sd):
    return {
        name: {"shape": list(t.shape), "values": t.float().reshape(-1).tolist()}
        for name, t in sd.items()
    }


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pickle-payload-ran",))


def big_endian_copy(source, target):
    with zipfile.ZipFile(source) as archive:
        names = archive.namelist()
        prefix = next(name for name in names if name.endswith("/data.pkl"))[: -len("data.pkl")]
        element_sizes = {}

        class StorageRecorder(pickle.Unpickler):
            def persistent_load(self, pid):
                _, storage_type, key, _, count = pid[:5]
                element_sizes[key] = torch.empty(0, dtype=storage_type.dtype).element_size()
                return storage_type(count)

        StorageRecorder(archive.open(prefix + "data.pkl")).load()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
            for name in names:
                data = archive.read(name)
                if name.startswith(prefix + "data/"):
                    size = element_sizes[name[len(prefix + "data/") :]]
                    data = numpy.frombuffer(data, dtype=f"<u{size}").byteswap().tobytes()
                out.writestr(name, data)
            out.writestr(prefix + "byteorder", b"big")


def main(out):
    sd = state_dict()
    torch.save(sd, os.path.join(out, "zip.bin"))
    torch.save(sd, os.path.join(out, "legacy.bin"), _use_new_zipfile_serialization=False)
    big_endian_copy(os.path.join(out, "zip.bin"), os.path.join(out, "big-endian.bin"))
    base = collections.OrderedDict(
        (name[len("bert.") :], t) for name, t in sd.items() if name.startswith("bert.")
    )
    torch.save(base, os.path.join(out, "base.bin"))
    torch.save({"weight": torch.ones(2), "payload": Evil()}, os.path.join(out, "evil.bin"))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected(sd), f)
    config = {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
        "vocab_size": VOCAB,
        "hidden_size": HIDDEN,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": INTERMEDIATE,
        "max_position_embeddings": POSITIONS,
        "type_vocab_size": 2,
        "id2label": {str(i): f"LABEL_{i}" for i in range(LABELS)},
        "label2id": {f"LABEL_{i}": i for i in range(LABELS)},
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f)


if __name__ == "__main__":
    main(sys.argv[1])
