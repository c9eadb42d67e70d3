#!/usr/bin/env python3
"""PyTorch reference for Fine-Tune Studio's own ONNX training engine.

This is a faithful, dependency-free (torch 1.13 + numpy only) re-implementation
of the Hugging Face ``transformers`` 4.x/5.x semantics that matter for
sequence-classification fine-tuning:

* ``BertForSequenceClassification``
* ``RobertaForSequenceClassification`` / ``XLMRobertaForSequenceClassification``
* ``ElectraForSequenceClassification``
* ``DistilBertForSequenceClassification``
* ``Trainer``'s default AdamW (``adamw_torch``) parameter groups, gradient
  clipping and ``get_linear_schedule_with_warmup``.

Every ``nn.Module`` below uses the exact attribute names of the corresponding
transformers class, so ``model.state_dict()`` keys are the Hugging Face
checkpoint names (``bert.encoder.layer.0.attention.self.query.weight`` ...).
Checkpoints are loaded with ``load_state_dict(strict=True)``: any naming drift
fails loudly. There is deliberately no renaming table.

Run with the Debian interpreter that has torch: ``/usr/bin/python3``.

Subcommands (see ``--help`` of each):

    init   write a random-init Hugging Face folder (config.json + model.safetensors)
    step   one forward/backward/clip/AdamW step, dump logits, loss, grads, params
    logits eval-mode logits of a saved folder (what from_pretrained + model(**batch) gives)
    train  full fine-tuning run for learning-curve comparison
    bench  time full training steps on CPU
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float32)

# ---------------------------------------------------------------------------
# safetensors (numpy only)
# ---------------------------------------------------------------------------

_ST_DTYPES: dict[str, np.dtype] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Read a ``.safetensors`` file into numpy arrays (mirrors ``safetensors.numpy.load_file``).

    Layout: 8-byte little-endian header length N, N bytes of JSON header
    ``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``,
    then the raw little-endian data buffer (offsets relative to its start).
    BF16 is widened to float32 (bf16 is the top half of an f32).
    """
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len].decode("utf-8"))
    data = memoryview(raw)[8 + header_len :]
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype: str = info["dtype"]
        shape: list[int] = list(info["shape"])
        begin, end = info["data_offsets"]
        chunk = data[begin:end]
        if dtype == "BF16":
            bits = np.frombuffer(chunk, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        elif dtype in _ST_DTYPES:
            arr = np.frombuffer(chunk, dtype=_ST_DTYPES[dtype]).copy()
        else:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError(f"{path}: tensor {name!r} has {arr.size} elements, shape {shape} needs {count}")
        out[name] = arr.reshape(shape)
    return out


def write_safetensors(path: str | Path, tensors: dict[str, np.ndarray]) -> None:
    """Write float32 (and int64) tensors as ``.safetensors`` (mirrors ``safetensors.torch.save_file``).

    Floating tensors are stored as F32, integer tensors as I64; the header carries
    ``"__metadata__": {"format": "pt"}`` and is space-padded to a multiple of 8 bytes
    so the data buffer is 8-byte aligned, as the reference implementation does.
    """
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    blobs: list[bytes] = []
    offset = 0
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        if np.issubdtype(arr.dtype, np.floating):
            arr, dtype = np.ascontiguousarray(arr, dtype="<f4"), "F32"
        elif np.issubdtype(arr.dtype, np.integer):
            arr, dtype = np.ascontiguousarray(arr, dtype="<i8"), "I64"
        else:
            raise ValueError(f"cannot write tensor {name!r} of dtype {arr.dtype}")
        blob = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

_BERT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "use_cache": True,
    "classifier_dropout": None,
}

#: Class defaults of the transformers config classes (``BertConfig()`` etc.).
CONFIG_DEFAULTS: dict[str, dict[str, Any]] = {
    "bert": dict(_BERT_DEFAULTS),
    "roberta": {**_BERT_DEFAULTS, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2},
    "xlm-roberta": {**_BERT_DEFAULTS, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2},
    "electra": {
        **_BERT_DEFAULTS,
        "embedding_size": 128,
        "hidden_size": 256,
        "num_attention_heads": 4,
        "intermediate_size": 1024,
        "summary_type": "first",
        "summary_use_proj": True,
        "summary_activation": "gelu",
        "summary_last_dropout": 0.1,
    },
    "distilbert": {
        "vocab_size": 30522,
        "max_position_embeddings": 512,
        "sinusoidal_pos_embds": False,
        "n_layers": 6,
        "n_heads": 12,
        "dim": 768,
        "hidden_dim": 4 * 768,
        "dropout": 0.1,
        "attention_dropout": 0.1,
        "activation": "gelu",
        "initializer_range": 0.02,
        "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "pad_token_id": 0,
    },
}

#: ``PretrainedConfig.attribute_map`` of DistilBertConfig: generic names alias the native ones.
ATTRIBUTE_MAPS: dict[str, dict[str, str]] = {
    "distilbert": {"hidden_size": "dim", "num_attention_heads": "n_heads", "num_hidden_layers": "n_layers"},
}

ARCHITECTURES: dict[str, str] = {
    "bert": "BertForSequenceClassification",
    "roberta": "RobertaForSequenceClassification",
    "xlm-roberta": "XLMRobertaForSequenceClassification",
    "electra": "ElectraForSequenceClassification",
    "distilbert": "DistilBertForSequenceClassification",
}


class HFConfig:
    """Attribute view of a ``config.json`` (mirrors ``PretrainedConfig`` incl. ``attribute_map`` and ``num_labels``)."""

    def __init__(self, values: dict[str, Any]) -> None:
        model_type = values.get("model_type")
        if model_type not in CONFIG_DEFAULTS:
            raise ValueError(f"unsupported model_type {model_type!r}; expected one of {sorted(CONFIG_DEFAULTS)}")
        aliases = ATTRIBUTE_MAPS.get(model_type, {})
        merged = dict(CONFIG_DEFAULTS[model_type])
        for key, value in values.items():
            merged[aliases.get(key, key)] = value
        self.model_type: str = model_type
        self.values = merged

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values")
        if values is None:
            raise AttributeError(name)
        aliases = ATTRIBUTE_MAPS.get(self.__dict__["model_type"], {})
        key = aliases.get(name, name)
        if key in values:
            return values[key]
        raise AttributeError(f"config has no field {name!r}")

    @property
    def num_labels(self) -> int:
        """``PretrainedConfig.num_labels``: ``len(id2label)``, default 2."""
        id2label = self.values.get("id2label")
        if id2label:
            return len(id2label)
        return int(self.values.get("num_labels", 2))

    @property
    def problem_type(self) -> Optional[str]:
        return self.values.get("problem_type")


def load_config(model_dir: str | Path) -> HFConfig:
    """Read ``config.json`` of a Hugging Face folder (mirrors ``AutoConfig.from_pretrained``)."""
    with open(Path(model_dir) / "config.json", "r", encoding="utf-8") as f:
        return HFConfig(json.load(f))


# ---------------------------------------------------------------------------
# Activations (transformers.activations.ACT2FN)
# ---------------------------------------------------------------------------


class NewGELUActivation(nn.Module):
    """Mirrors ``transformers.activations.NewGELUActivation`` (``gelu_new``): tanh approximation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class PytorchGELUTanh(nn.Module):
    """Mirrors ``transformers.activations.PytorchGELUTanh`` (``gelu_pytorch_tanh``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(x, approximate="tanh")


class GELUActivation(nn.Module):
    """Mirrors ``transformers.activations.GELUActivation`` (``gelu``): exact erf GELU."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(x)


def get_activation(name: str) -> nn.Module:
    """Mirrors ``transformers.activations.get_activation`` / ``ACT2FN`` for the names BERT-family configs use."""
    table: dict[str, Callable[[], nn.Module]] = {
        "gelu": GELUActivation,
        "gelu_new": NewGELUActivation,
        "gelu_pytorch_tanh": PytorchGELUTanh,
        "relu": nn.ReLU,
        "silu": nn.SiLU,
        "swish": nn.SiLU,
        "tanh": nn.Tanh,
    }
    if name not in table:
        raise ValueError(f"unsupported activation {name!r}; expected one of {sorted(table)}")
    return table[name]()


def extended_attention_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """Mirrors ``ModuleUtilsMixin.get_extended_attention_mask``: [B,S] 1/0 -> additive [B,1,1,S] with finfo.min."""
    ext = attention_mask[:, None, None, :].to(torch.float32)
    return (1.0 - ext) * torch.finfo(torch.float32).min


# ---------------------------------------------------------------------------
# BERT encoder (shared by BERT, RoBERTa, XLM-R, ELECTRA)
# ---------------------------------------------------------------------------


class BertEmbeddings(nn.Module):
    """Mirrors ``BertEmbeddings`` (``position_mode='absolute'``), ``RobertaEmbeddings`` (``'roberta'``) and
    ``ElectraEmbeddings`` (``dim=config.embedding_size``).

    word + position + token_type -> LayerNorm(layer_norm_eps) -> dropout(hidden_dropout_prob).
    ``word_embeddings`` has ``padding_idx=pad_token_id`` (its row gets no gradient), and so does
    RoBERTa's ``position_embeddings``. The HF ``position_ids``/``token_type_ids`` buffers are
    non-persistent there and are simply computed here.
    """

    def __init__(self, config: HFConfig, dim: int, position_mode: str = "absolute") -> None:
        super().__init__()
        if config.position_embedding_type != "absolute":
            raise NotImplementedError(f"position_embedding_type={config.position_embedding_type!r}")
        self.position_mode = position_mode
        self.padding_idx: int = config.pad_token_id
        self.word_embeddings = nn.Embedding(config.vocab_size, dim, padding_idx=config.pad_token_id)
        if position_mode == "roberta":
            self.position_embeddings = nn.Embedding(config.max_position_embeddings, dim, padding_idx=self.padding_idx)
        else:
            self.position_embeddings = nn.Embedding(config.max_position_embeddings, dim)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: Optional[torch.Tensor]) -> torch.Tensor:
        batch, seq = input_ids.shape
        if self.position_mode == "roberta":
            position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        else:
            position_ids = torch.arange(seq, dtype=torch.long).unsqueeze(0).expand(batch, seq)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


def create_position_ids_from_input_ids(input_ids: torch.Tensor, padding_idx: int) -> torch.Tensor:
    """Mirrors ``modeling_roberta.create_position_ids_from_input_ids`` (past_key_values_length=0).

    Non-pad tokens get positions padding_idx+1, padding_idx+2, ...; pad tokens get padding_idx.
    """
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental_indices.long() + padding_idx


class BertSelfAttention(nn.Module):
    """Mirrors ``BertSelfAttention`` (eager): softmax(QK^T/sqrt(d) + mask) -> dropout -> @V."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        if config.hidden_size % config.num_attention_heads != 0:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        self.num_attention_heads: int = config.num_attention_heads
        self.attention_head_size: int = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        return x.view(b, s, self.num_attention_heads, self.attention_head_size).permute(0, 2, 1, 3)

    def forward(self, hidden_states: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        query_layer = self._split_heads(self.query(hidden_states))
        key_layer = self._split_heads(self.key(hidden_states))
        value_layer = self._split_heads(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + additive_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.shape[0], context_layer.shape[1], self.all_head_size)


class BertSelfOutput(nn.Module):
    """Mirrors ``BertSelfOutput``: dense -> dropout -> LayerNorm(x + residual)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    """Mirrors ``BertAttention``: submodules ``self`` and ``output``."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(hidden_states, additive_mask), hidden_states)


class BertIntermediate(nn.Module):
    """Mirrors ``BertIntermediate``: dense -> ACT2FN[hidden_act]."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = get_activation(config.hidden_act)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    """Mirrors ``BertOutput``: dense -> dropout -> LayerNorm(x + residual)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    """Mirrors ``BertLayer``: attention -> intermediate -> output (post-LN)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        attention_output = self.attention(hidden_states, additive_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    """Mirrors ``BertEncoder``: ``layer`` ModuleList of ``num_hidden_layers`` BertLayer."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, additive_mask)
        return hidden_states


class BertPooler(nn.Module):
    """Mirrors ``BertPooler``: dense + tanh on the first token."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


class BertModel(nn.Module):
    """Mirrors ``BertModel`` / ``RobertaModel`` / ``XLMRobertaModel`` (``position_mode='roberta'``).

    ``add_pooling_layer=False`` drops ``pooler`` as the RoBERTa classifiers do.
    Returns ``(sequence_output, pooled_output or None)``.
    """

    def __init__(self, config: HFConfig, add_pooling_layer: bool = True, position_mode: str = "absolute") -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(config, config.hidden_size, position_mode)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor]
    ) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        hidden = self.embeddings(input_ids, token_type_ids)
        sequence_output = self.encoder(hidden, extended_attention_mask(attention_mask))
        pooled = self.pooler(sequence_output) if self.pooler is not None else None
        return sequence_output, pooled


def _classifier_dropout(config: HFConfig) -> float:
    """``config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob``."""
    value = config.values.get("classifier_dropout")
    return float(value) if value is not None else float(config.hidden_dropout_prob)


class BertForSequenceClassification(nn.Module):
    """Mirrors ``BertForSequenceClassification``: pooler output -> dropout -> ``classifier`` Linear."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=True)
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        _, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        assert pooled is not None
        return self.classifier(self.dropout(pooled))


class RobertaClassificationHead(nn.Module):
    """Mirrors ``RobertaClassificationHead``: token 0 -> dropout -> dense -> tanh -> dropout -> out_proj."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.dropout(features[:, 0, :])
        x = torch.tanh(self.dense(x))
        return self.out_proj(self.dropout(x))


class RobertaForSequenceClassification(nn.Module):
    """Mirrors ``RobertaForSequenceClassification`` and ``XLMRobertaForSequenceClassification`` (prefix ``roberta.``)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.num_labels = config.num_labels
        self.roberta = BertModel(config, add_pooling_layer=False, position_mode="roberta")
        self.classifier = RobertaClassificationHead(config)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        sequence_output, _ = self.roberta(input_ids, attention_mask, token_type_ids)
        return self.classifier(sequence_output)


class ElectraModel(nn.Module):
    """Mirrors ``ElectraModel``: embeddings (embedding_size) -> ``embeddings_project`` iff
    embedding_size != hidden_size -> BERT encoder. No pooler."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(config, config.embedding_size, "absolute")
        if config.embedding_size != config.hidden_size:
            self.embeddings_project = nn.Linear(config.embedding_size, config.hidden_size)
        self.encoder = BertEncoder(config)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor]
    ) -> torch.Tensor:
        hidden = self.embeddings(input_ids, token_type_ids)
        if hasattr(self, "embeddings_project"):
            hidden = self.embeddings_project(hidden)
        return self.encoder(hidden, extended_attention_mask(attention_mask))


class ElectraClassificationHead(nn.Module):
    """Mirrors ``ElectraClassificationHead``: token 0 -> dropout -> dense -> GELU (exact) -> dropout -> out_proj."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = get_activation("gelu")
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.dropout(features[:, 0, :])
        x = self.activation(self.dense(x))
        return self.out_proj(self.dropout(x))


class ElectraForSequenceClassification(nn.Module):
    """Mirrors ``ElectraForSequenceClassification`` (prefix ``electra.``)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.num_labels = config.num_labels
        self.electra = ElectraModel(config)
        self.classifier = ElectraClassificationHead(config)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        return self.classifier(self.electra(input_ids, attention_mask, token_type_ids))


# ---------------------------------------------------------------------------
# DistilBERT
# ---------------------------------------------------------------------------


def create_sinusoidal_embeddings(n_pos: int, dim: int, out: torch.Tensor) -> None:
    """Mirrors ``modeling_distilbert._create_sinusoidal_embeddings`` (frozen sin/cos table)."""
    position_enc = np.array([[pos / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(n_pos)])
    out.requires_grad = False
    with torch.no_grad():
        out[:, 0::2] = torch.FloatTensor(np.sin(position_enc[:, 0::2]))
        out[:, 1::2] = torch.FloatTensor(np.cos(position_enc[:, 1::2]))


class DistilBertEmbeddings(nn.Module):
    """Mirrors ``modeling_distilbert.Embeddings``: word + position -> LayerNorm(eps 1e-12) -> dropout. No token types."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.dim, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.dim)
        if config.sinusoidal_pos_embds:
            create_sinusoidal_embeddings(config.max_position_embeddings, config.dim, self.position_embeddings.weight)
        self.LayerNorm = nn.LayerNorm(config.dim, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        batch, seq = input_ids.shape
        position_ids = torch.arange(seq, dtype=torch.long).unsqueeze(0).expand(batch, seq)
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class MultiHeadSelfAttention(nn.Module):
    """Mirrors ``modeling_distilbert.MultiHeadSelfAttention`` (4.x eager): q/sqrt(d), QK^T,
    ``masked_fill(mask == 0, finfo.min)``, softmax, dropout, @V, ``out_lin`` (no dropout after it)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        if config.dim % config.n_heads != 0:
            raise ValueError(f"n_heads {config.n_heads} must divide dim {config.dim}")
        self.n_heads: int = config.n_heads
        self.dim: int = config.dim
        self.dropout = nn.Dropout(p=config.attention_dropout)
        self.q_lin = nn.Linear(config.dim, config.dim)
        self.k_lin = nn.Linear(config.dim, config.dim)
        self.v_lin = nn.Linear(config.dim, config.dim)
        self.out_lin = nn.Linear(config.dim, config.dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        bs, q_length, _ = x.shape
        dim_per_head = self.dim // self.n_heads

        def shape(t: torch.Tensor) -> torch.Tensor:
            return t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        q = shape(self.q_lin(x))
        k = shape(self.k_lin(x))
        v = shape(self.v_lin(x))
        q = q / math.sqrt(dim_per_head)
        scores = torch.matmul(q, k.transpose(2, 3))
        masked = (mask == 0).view(bs, 1, 1, -1).expand_as(scores)
        scores = scores.masked_fill(masked, torch.tensor(torch.finfo(scores.dtype).min))
        weights = self.dropout(nn.functional.softmax(scores, dim=-1))
        context = torch.matmul(weights, v).transpose(1, 2).contiguous().view(bs, q_length, self.dim)
        return self.out_lin(context)


class FFN(nn.Module):
    """Mirrors ``modeling_distilbert.FFN``: lin1 -> activation -> lin2 -> dropout."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.dropout = nn.Dropout(p=config.dropout)
        self.lin1 = nn.Linear(config.dim, config.hidden_dim)
        self.lin2 = nn.Linear(config.hidden_dim, config.dim)
        self.activation = get_activation(config.activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.lin2(self.activation(self.lin1(x))))


class TransformerBlock(nn.Module):
    """Mirrors ``modeling_distilbert.TransformerBlock`` (post-LN, both LayerNorms eps 1e-12)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.attention = MultiHeadSelfAttention(config)
        self.sa_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)
        self.ffn = FFN(config)
        self.output_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        sa_output = self.sa_layer_norm(self.attention(x, attn_mask) + x)
        return self.output_layer_norm(self.ffn(sa_output) + sa_output)


class Transformer(nn.Module):
    """Mirrors ``modeling_distilbert.Transformer``: ``layer`` ModuleList of ``n_layers`` blocks."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(config) for _ in range(config.n_layers)])

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        for layer_module in self.layer:
            x = layer_module(x, attn_mask)
        return x


class DistilBertModel(nn.Module):
    """Mirrors ``DistilBertModel``: embeddings -> transformer."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.embeddings = DistilBertEmbeddings(config)
        self.transformer = Transformer(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForSequenceClassification(nn.Module):
    """Mirrors ``DistilBertForSequenceClassification``: token 0 -> pre_classifier -> ReLU ->
    dropout(seq_classif_dropout) -> classifier. token_type_ids are ignored."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.num_labels = config.num_labels
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.seq_classif_dropout)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        del token_type_ids
        hidden_state = self.distilbert(input_ids, attention_mask)
        pooled_output = nn.functional.relu(self.pre_classifier(hidden_state[:, 0]))
        return self.classifier(self.dropout(pooled_output))


class ForTokenClassification(nn.Module):
    """Mirrors ``BertForTokenClassification`` and its siblings (RoBERTa, XLM-R, ELECTRA, DistilBERT): the
    base model's output at every token -> dropout -> ``classifier`` Linear. The base has no pooler; the
    dropout is ``classifier_dropout`` or ``hidden_dropout_prob`` (DistilBERT: ``dropout``)."""

    def __init__(self, config: HFConfig) -> None:
        super().__init__()
        self.num_labels = config.num_labels
        self.base_name = "bert" if config.model_type == "bert" else "roberta" if config.model_type in ("roberta", "xlm-roberta") else config.model_type
        if config.model_type == "electra":
            base: nn.Module = ElectraModel(config)
        elif config.model_type == "distilbert":
            base = DistilBertModel(config)
        else:
            base = BertModel(config, add_pooling_layer=False, position_mode="absolute" if config.model_type == "bert" else "roberta")
        self.add_module(self.base_name, base)
        self.dropout = nn.Dropout(float(config.dropout) if config.model_type == "distilbert" else _classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        base = getattr(self, self.base_name)
        if self.base_name == "distilbert":
            sequence_output = base(input_ids, attention_mask)
        elif self.base_name == "electra":
            sequence_output = base(input_ids, attention_mask, token_type_ids)
        else:
            sequence_output, _ = base(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(sequence_output))


MODEL_CLASSES: dict[str, Callable[[HFConfig], nn.Module]] = {
    "bert": BertForSequenceClassification,
    "roberta": RobertaForSequenceClassification,
    "xlm-roberta": RobertaForSequenceClassification,
    "electra": ElectraForSequenceClassification,
    "distilbert": DistilBertForSequenceClassification,
}


def is_token_classifier(config: HFConfig) -> bool:
    """Whether ``architectures`` names a ``*ForTokenClassification`` class (as the engine's task registry reads it)."""
    return any(str(a).endswith("ForTokenClassification") for a in config.values.get("architectures") or [])


def build_model(config: HFConfig) -> nn.Module:
    """Instantiate the ``*ForSequenceClassification`` class for ``config.model_type``, or ``*ForTokenClassification``
    when ``architectures`` names it (mirrors ``AutoModelFor….from_config``)."""
    if is_token_classifier(config):
        return ForTokenClassification(config)
    return MODEL_CLASSES[config.model_type](config)


def sequence_classification_loss(logits: torch.Tensor, labels: torch.Tensor, config: HFConfig) -> torch.Tensor:
    """Mirrors the loss in ``*ForSequenceClassification.forward``.

    num_labels == 1 -> regression (MSELoss); integer labels -> single-label mean CrossEntropyLoss.
    Multi-label (BCE) is only used when config.problem_type says so.
    """
    num_labels = logits.shape[-1]
    if logits.dim() == 3:
        # *ForTokenClassification: CrossEntropyLoss over every token whose label is not -100 (its ignore_index).
        return nn.functional.cross_entropy(logits.view(-1, num_labels), labels.view(-1))
    problem_type = config.problem_type
    if problem_type is None:
        if num_labels == 1:
            problem_type = "regression"
        elif labels.dtype in (torch.long, torch.int):
            problem_type = "single_label_classification"
        else:
            problem_type = "multi_label_classification"
    if problem_type == "regression":
        return nn.functional.mse_loss(logits.squeeze(), labels.to(torch.float32).squeeze())
    if problem_type == "single_label_classification":
        return nn.functional.cross_entropy(logits.view(-1, num_labels), labels.view(-1))
    return nn.functional.binary_cross_entropy_with_logits(logits, labels.to(torch.float32))


# ---------------------------------------------------------------------------
# Loading / init / saving
# ---------------------------------------------------------------------------

#: Non-persistent buffers that some older checkpoints still contain; transformers
#: drops them via ``_keys_to_ignore_on_load_unexpected``. They are buffers, not
#: parameters, so skipping them is not a renaming.
_IGNORED_CHECKPOINT_KEYS = re.compile(r"(^|\.)embeddings\.(position_ids|token_type_ids)$")


def load_model(model_dir: str | Path) -> tuple[nn.Module, HFConfig]:
    """Build the model from ``config.json`` and load ``model.safetensors`` BY HF NAME with ``strict=True``
    (mirrors ``AutoModelForSequenceClassification.from_pretrained`` for a complete checkpoint)."""
    config = load_config(model_dir)
    model = build_model(config)
    tensors = read_safetensors(Path(model_dir) / "model.safetensors")
    state = {
        name: torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
        for name, arr in tensors.items()
        if not _IGNORED_CHECKPOINT_KEYS.search(name)
    }
    model.load_state_dict(state, strict=True)
    return model, config


def init_weights(model: nn.Module, config: HFConfig) -> None:
    """Mirrors ``BertPreTrainedModel._init_weights`` (and the RoBERTa/ELECTRA/DistilBERT copies):
    Linear/Embedding weights ~ N(0, initializer_range), biases 0, padding_idx row 0, LayerNorm 1/0."""
    std = float(config.initializer_range)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.normal_(mean=0.0, std=std)
                if module.bias is not None:
                    module.bias.zero_()
            elif isinstance(module, nn.Embedding):
                if not module.weight.requires_grad:
                    continue  # frozen sinusoidal DistilBERT positions keep their table
                module.weight.normal_(mean=0.0, std=std)
                if module.padding_idx is not None:
                    module.weight[module.padding_idx].zero_()
            elif isinstance(module, nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()


def state_dict_numpy(model: nn.Module) -> dict[str, np.ndarray]:
    """``model.state_dict()`` as float32 numpy arrays keyed by HF name."""
    return {name: t.detach().cpu().numpy().astype(np.float32) for name, t in model.state_dict().items()}


# ---------------------------------------------------------------------------
# Frozen parameters and LoRA (peft's semantics, written out: peft is not installable here)
# ---------------------------------------------------------------------------

#: peft's classifier_module_names for PeftModelForSequenceClassification (peft_model.py): the modules_to_save.
LORA_MODULES_TO_SAVE = ["classifier", "score"]


def freeze(model: nn.Module, freeze_embeddings: bool, freeze_layers: int, head_only: bool) -> None:
    """requires_grad=False on the embeddings (``*.embeddings.*``), on encoder layers 0..freeze_layers-1
    (``*.layer.<i>.*``), or on everything but the head (head_only: every embedding and layer parameter)."""
    layer = re.compile(r"\.layer\.(\d+)\.")
    for name, p in model.named_parameters():
        found = layer.search(name)
        in_layer = found is not None
        frozen_layer = found is not None and int(found.group(1)) < freeze_layers
        embedding = ".embeddings." in name
        if (freeze_embeddings and embedding) or frozen_layer or (head_only and (embedding or in_layer)):
            p.requires_grad_(False)


def _lora_forward(self: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """peft's lora.Linear.forward for one active adapter: base(x) + lora_B(lora_A(dropout(x))) * scaling."""
    return nn.functional.linear(x, self.weight, self.bias) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.lora_scaling


def apply_lora(model: nn.Module, r: int, alpha: float, dropout: float, target_modules: Sequence[str]) -> list[str]:
    """``get_peft_model(model, LoraConfig(task_type=SEQ_CLS, r, lora_alpha, lora_dropout, target_modules))``
    written out. Every Linear whose name is a target or ends with ``.<target>`` (peft's
    check_target_module_exists) gets lora_A (r x in, kaiming_uniform_ a=sqrt(5)) and lora_B (out x r, zeros)
    as child modules, so named_parameters() lists ``<module>.lora_A.weight``. Every parameter is frozen
    except the adapters and the modules whose name ends with a modules_to_save entry (peft's _set_trainable,
    ``key.endswith(target_key)``), which train in full. Returns the modules_to_save found."""
    saved = [n for n, _ in model.named_modules() if n and any(n.endswith(t) for t in LORA_MODULES_TO_SAVE)]
    saved = [n for n in saved if not any(n.startswith(o + ".") for o in saved)]

    def under_saved(name: str) -> bool:
        return any(name == s or name.startswith(s + ".") for s in saved)

    for p in model.parameters():
        p.requires_grad_(False)
    adapted = 0
    for name, module in list(model.named_modules()):
        if not isinstance(module, nn.Linear) or under_saved(name):
            continue
        if not (name in target_modules or any(name.endswith("." + t) for t in target_modules)):
            continue
        module.add_module("lora_A", nn.Linear(module.in_features, r, bias=False))
        module.add_module("lora_B", nn.Linear(r, module.out_features, bias=False))
        module.add_module("lora_dropout", nn.Dropout(dropout) if dropout > 0 else nn.Identity())
        nn.init.kaiming_uniform_(module.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(module.lora_B.weight)
        module.lora_scaling = alpha / r
        module.forward = _lora_forward.__get__(module, nn.Linear)
        adapted += 1
    if adapted == 0:
        raise SystemExit(f"no Linear matches the LoRA targets {list(target_modules)}")
    for name, p in model.named_parameters():
        if ".lora_A." in name or ".lora_B." in name or under_saved(name.rsplit(".", 1)[0]):
            p.requires_grad_(True)
    return saved


def load_adapter_weights(model: nn.Module, path: str) -> None:
    """Overwrite the lora_A/lora_B weights with those in a safetensors file (same names), so both engines start alike."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, arr in read_safetensors(path).items():
            if name not in params:
                raise SystemExit(f"{path}: the model has no parameter {name}")
            params[name].copy_(torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)))


def prepare_method(model: nn.Module, args: argparse.Namespace) -> None:
    """The fine-tune method of ``--lora-*`` / ``--freeze-*`` / ``--head-only``."""
    if args.lora_r:
        apply_lora(model, args.lora_r, args.lora_alpha, args.lora_dropout, args.lora_targets.split(","))
        if args.lora_weights:
            load_adapter_weights(model, args.lora_weights)
    freeze(model, args.freeze_embeddings, args.freeze_layers, args.head_only)


def add_method_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of the fine-tune method, shared by step and train."""
    p.add_argument("--lora-r", type=int, default=0, help="LoRA rank; 0: no LoRA")
    p.add_argument("--lora-alpha", type=float, default=8.0)
    p.add_argument("--lora-dropout", type=float, default=0.0)
    p.add_argument("--lora-targets", default="query,value", help="comma-separated target module names")
    p.add_argument("--lora-weights", default="", help="safetensors with the initial lora_A/lora_B weights")
    p.add_argument("--freeze-embeddings", action="store_true")
    p.add_argument("--freeze-layers", type=int, default=0)
    p.add_argument("--head-only", action="store_true")


# ---------------------------------------------------------------------------
# Trainer semantics: parameter groups, optimizer, schedule
# ---------------------------------------------------------------------------

_FORBIDDEN_NAME_PATTERNS = [r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)"]


def get_parameter_names(
    model: nn.Module, forbidden_layer_types: Sequence[type], forbidden_layer_names: Optional[Sequence[str]] = None
) -> list[str]:
    """Mirrors ``transformers.trainer_pt_utils.get_parameter_names``: names of all parameters not inside
    a forbidden layer type and not matching a forbidden (lower-cased) name pattern."""
    patterns = [re.compile(p) for p in (forbidden_layer_names or [])]
    result: list[str] = []
    for name, child in model.named_children():
        child_params = get_parameter_names(child, forbidden_layer_types, forbidden_layer_names)
        result += [
            f"{name}.{n}"
            for n in child_params
            if not isinstance(child, tuple(forbidden_layer_types))
            and not any(p.search(f"{name}.{n}".lower()) for p in patterns)
        ]
    result += [k for k in model._parameters if not any(p.search(k.lower()) for p in patterns)]
    return result


def get_decay_parameter_names(model: nn.Module) -> list[str]:
    """Mirrors ``Trainer.get_decay_parameter_names``: everything except nn.LayerNorm params and biases."""
    return get_parameter_names(model, [nn.LayerNorm], _FORBIDDEN_NAME_PATTERNS)


def create_optimizer(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """Mirrors ``Trainer.create_optimizer`` with the default ``adamw_torch``: two groups (decay / no decay),
    betas (0.9, 0.999), eps 1e-8."""
    decay = set(get_decay_parameter_names(model))
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in params if n in decay], "weight_decay": weight_decay},
        {"params": [p for n, p in params if n not in decay], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def get_linear_schedule_with_warmup(
    optimizer: torch.optim.Optimizer, num_warmup_steps: int, num_training_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Mirrors ``transformers.get_linear_schedule_with_warmup``."""

    def lr_lambda(current_step: int) -> float:
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


def clip_grad_norm(model: nn.Module, max_grad_norm: float) -> float:
    """Mirrors the Trainer's ``clip_grad_norm_(model.parameters(), max_grad_norm)``; returns the pre-clip
    global L2 norm. torch scales every grad by min(1, max_norm / (norm + 1e-6)). max_grad_norm <= 0: no clip."""
    params = [p for p in model.parameters() if p.grad is not None]
    if max_grad_norm > 0:
        return float(torch.nn.utils.clip_grad_norm_(params, max_grad_norm))
    if not params:
        return 0.0
    return float(torch.norm(torch.stack([torch.norm(p.grad.detach(), 2.0) for p in params]), 2.0))


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------


def pad_batch(
    rows: dict[str, list[Any]], indices: Sequence[int], pad_token_id: int, token_labels: bool = False
) -> dict[str, torch.Tensor]:
    """Mirrors ``DataCollatorWithPadding`` (right padding to the longest row of the batch):
    input_ids padded with pad_token_id, attention_mask and token_type_ids with 0; with ``token_labels``
    ``DataCollatorForTokenClassification``, which also pads each row's labels with -100."""
    ids = [list(rows["input_ids"][i]) for i in indices]
    longest = max(len(r) for r in ids)
    masks = [list(rows["attention_mask"][i]) for i in indices] if "attention_mask" in rows else [[1] * len(r) for r in ids]
    batch: dict[str, torch.Tensor] = {
        "input_ids": torch.tensor([r + [pad_token_id] * (longest - len(r)) for r in ids], dtype=torch.long),
        "attention_mask": torch.tensor([m + [0] * (longest - len(m)) for m in masks], dtype=torch.long),
    }
    if rows.get("token_type_ids") is not None:
        tts = [list(rows["token_type_ids"][i]) for i in indices]
        batch["token_type_ids"] = torch.tensor([t + [0] * (longest - len(t)) for t in tts], dtype=torch.long)
    labels = [rows["labels"][i] for i in indices]
    if token_labels:
        labels = [list(r) + [-100] * (longest - len(r)) for r in labels]
    dtype = torch.float32 if any(isinstance(x, float) for x in labels) else torch.long
    batch["labels"] = torch.tensor(labels, dtype=dtype)
    return batch


def forward_logits(model: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Run the model on a padded batch dict."""
    return model(batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids"))


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> None:
    """``init``: random-init HF folder, mirroring ``AutoModelForSequenceClassification.from_config`` +
    ``save_pretrained`` (config with model_type, architectures, every field, id2label/label2id)."""
    user = json.loads(args.config_json) if args.config_json else {}
    if not isinstance(user, dict):
        raise SystemExit("--config-json must be a JSON object")
    id2label = {str(i): f"LABEL_{i}" for i in range(args.num_labels)}
    config = HFConfig({**user, "model_type": args.model_type, "id2label": id2label})
    values = dict(config.values)
    values["model_type"] = args.model_type
    values["architectures"] = [ARCHITECTURES[args.model_type]]
    values["id2label"] = id2label
    values["label2id"] = {f"LABEL_{i}": i for i in range(args.num_labels)}
    values.setdefault("torch_dtype", "float32")
    torch.manual_seed(args.seed)
    model = build_model(config)
    init_weights(model, config)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "config.json", "w", encoding="utf-8") as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")
    write_safetensors(out / "model.safetensors", state_dict_numpy(model))
    print(json.dumps({"out": str(out), "parameters": sum(p.numel() for p in model.parameters())}))


def cmd_step(args: argparse.Namespace) -> None:
    """``step``: one Trainer optimisation step (forward, mean CE loss, backward, clip_grad_norm_,
    AdamW with Trainer's groups at lr * lr_lambda(0)); dumps logits/loss/grad_norm/grad.*/param.*."""
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    model, config = load_model(args.model)
    with open(args.batch, "r", encoding="utf-8") as f:
        rows = json.load(f)
    batch = pad_batch(rows, range(len(rows["input_ids"])), int(config.pad_token_id), is_token_classifier(config))
    prepare_method(model, args)
    torch.manual_seed(args.seed)
    model.train(bool(args.dropout))
    optimizer = create_optimizer(model, args.lr, args.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, args.warmup_steps, args.total_steps)
    model.zero_grad(set_to_none=True)
    logits = forward_logits(model, batch)
    loss = sequence_classification_loss(logits, batch["labels"], config)
    loss.backward()
    grads = {
        f"grad.{n}": (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)).numpy()
        for n, p in model.named_parameters()
        if p.requires_grad
    }
    grad_norm = clip_grad_norm(model, args.max_grad_norm)
    lr_used = float(optimizer.param_groups[0]["lr"])  # base lr * lr_lambda(0), set by LambdaLR
    optimizer.step()
    scheduler.step()
    out: dict[str, np.ndarray] = {
        "logits": logits.detach().numpy(),
        "loss": np.array([loss.item()], dtype=np.float32),
        "grad_norm": np.array([grad_norm], dtype=np.float32),
        "lr": np.array([lr_used], dtype=np.float32),
        **grads,
    }
    out.update({f"param.{n}": p.detach().numpy() for n, p in model.named_parameters()})
    write_safetensors(args.out, out)
    print(json.dumps({"loss": loss.item(), "grad_norm": grad_norm, "lr": lr_used}))


def cmd_logits(args: argparse.Namespace) -> None:
    """``logits``: load a saved folder by HF names (mirrors ``AutoModelForSequenceClassification.from_pretrained``)
    and write the eval-mode logits of a batch, padded as ``DataCollatorWithPadding`` pads it, as JSON; for a
    sequence classifier also the scores the text-classification pipeline reports from them."""
    if args.threads:
        torch.set_num_threads(args.threads)
    model, config = load_model(args.model)
    model.eval()
    with open(args.batch, "r", encoding="utf-8") as f:
        rows = json.load(f)
    token_labels = is_token_classifier(config)
    rows.setdefault("labels", [[-100] * len(r) if token_labels else 0 for r in rows["input_ids"]])
    batch = pad_batch(rows, range(len(rows["input_ids"])), int(config.pad_token_id), token_labels)
    with torch.no_grad():
        logits = forward_logits(model, batch)
    out: dict[str, Any] = {"logits": logits.tolist(), "id2label": config.values.get("id2label")}
    if not token_labels:
        out["scores"] = pipeline_scores(logits, config).tolist()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f)
    print(json.dumps({"rows": logits.shape[0], "labels": logits.shape[1]}))


def pipeline_scores(logits: torch.Tensor, config: HFConfig) -> torch.Tensor:
    """Mirrors ``TextClassificationPipeline.postprocess``'s default ``function_to_apply``, chosen from
    config.json: none for ``regression``, sigmoid for ``multi_label_classification`` or a single label,
    softmax otherwise."""
    if config.problem_type == "regression":
        return logits
    if config.problem_type == "multi_label_classification" or config.num_labels == 1:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def _evaluate(model: nn.Module, config: HFConfig, data: dict[str, list[Any]], batch_size: int) -> tuple[float, float, list[list[float]]]:
    """Mirrors ``Trainer.evaluate``: eval mode, no grad; loss is the per-sample mean; accuracy of argmax
    (single-label class ids only); and every row's logits, for the task's own metrics."""
    model.eval()
    n = len(data["input_ids"])
    total_loss, correct = 0.0, 0
    all_logits: list[list[float]] = []
    with torch.no_grad():
        for start in range(0, n, batch_size):
            idx = list(range(start, min(n, start + batch_size)))
            batch = pad_batch(data, idx, int(config.pad_token_id), is_token_classifier(config))
            logits = forward_logits(model, batch)
            loss = sequence_classification_loss(logits, batch["labels"], config)
            total_loss += loss.item() * len(idx)
            all_logits.extend(logits.tolist())
            if logits.shape[-1] > 1 and batch["labels"].dim() == 1:
                correct += int((logits.argmax(-1) == batch["labels"]).sum().item())
    return total_loss / max(1, n), correct / max(1, n), all_logits


def cmd_train(args: argparse.Namespace) -> None:
    """``train``: mirrors ``Trainer.train`` (grad accumulation 1, dropout on, AdamW + linear warmup
    schedule with warmup_steps = ceil(warmup_ratio * total_steps), clip every step) on a fixed batch order,
    evaluating on validation after every epoch."""
    if args.threads:
        torch.set_num_threads(args.threads)
    model, config = load_model(args.model)
    prepare_method(model, args)
    with open(args.data, "r", encoding="utf-8") as f:
        data = json.load(f)
    hyper: dict[str, Any] = data["hyper"]
    train_rows: dict[str, list[Any]] = data["train"]
    order: list[list[int]] = data["order"]
    epochs = int(hyper["epochs"])
    batch_size = int(hyper["batch_size"])
    if len(order) < epochs:
        raise SystemExit(f"order has {len(order)} permutations, need {epochs}")
    steps_per_epoch = [math.ceil(len(order[e]) / batch_size) for e in range(epochs)]
    total_steps = sum(steps_per_epoch)
    warmup_steps = math.ceil(total_steps * float(hyper.get("warmup_ratio", 0.0)))
    torch.manual_seed(int(hyper.get("seed", 42)))
    optimizer = create_optimizer(model, float(hyper["lr"]), float(hyper.get("weight_decay", 0.0)))
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    max_grad_norm = float(hyper.get("max_grad_norm", 1.0))
    pad_id = int(config.pad_token_id)
    step_losses: list[float] = []
    epoch_logs: list[dict[str, Any]] = []
    started = time.perf_counter()
    step = 0
    model.zero_grad(set_to_none=True)
    for epoch in range(epochs):
        model.train()
        perm = order[epoch]
        epoch_losses: list[float] = []
        for start in range(0, len(perm), batch_size):
            batch = pad_batch(train_rows, perm[start : start + batch_size], pad_id, is_token_classifier(config))
            logits = forward_logits(model, batch)
            loss = sequence_classification_loss(logits, batch["labels"], config)
            loss.backward()
            clip_grad_norm(model, max_grad_norm)
            optimizer.step()
            scheduler.step()
            model.zero_grad(set_to_none=True)
            step += 1
            epoch_losses.append(loss.item())
            step_losses.append(loss.item())
            if step % 100 == 0:
                print(
                    f"step {step}/{total_steps} epoch {epoch + 1} loss {loss.item():.4f} "
                    f"lr {scheduler.get_last_lr()[0]:.3e} {time.perf_counter() - started:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
        val_loss, val_acc, val_logits = _evaluate(model, config, data["validation"], 256)
        epoch_logs.append(
            {
                "epoch": epoch + 1,
                "train_loss_mean": float(np.mean(epoch_losses)) if epoch_losses else float("nan"),
                "val_loss": val_loss,
                "val_accuracy": val_acc,
                "val_logits": val_logits,
            }
        )
    if args.save:
        save = Path(args.save)
        save.mkdir(parents=True, exist_ok=True)
        with open(save / "config.json", "w", encoding="utf-8") as f:
            json.dump(config.values, f, indent=2, sort_keys=True)
        write_safetensors(save / "model.safetensors", state_dict_numpy(model))
    result = {"epochs": epoch_logs, "step_losses": step_losses, "seconds": time.perf_counter() - started}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(json.dumps({k: v for k, v in epoch_logs[-1].items() if k != "val_logits"} if epoch_logs else {}))


BENCH_PRESETS: dict[str, tuple[int, int, int]] = {
    "tiny": (2, 128, 2),
    "mini": (4, 256, 4),
    "small": (4, 512, 8),
    "base": (12, 768, 12),
}


def cmd_bench(args: argparse.Namespace) -> None:
    """``bench``: median wall time of full Trainer-style training steps (forward, loss, backward, clip,
    AdamW step, zero_grad) of a random-init BertForSequenceClassification preset in train mode."""
    if args.model_type != "bert":
        raise SystemExit("bench supports --model-type bert only")
    torch.set_num_threads(args.threads)
    layers, hidden, heads = BENCH_PRESETS[args.preset]
    config = HFConfig(
        {
            "model_type": "bert",
            "num_hidden_layers": layers,
            "hidden_size": hidden,
            "num_attention_heads": heads,
            "intermediate_size": 4 * hidden,
            "vocab_size": 30522,
            "id2label": {"0": "LABEL_0", "1": "LABEL_1"},
        }
    )
    torch.manual_seed(0)
    model = build_model(config)
    init_weights(model, config)
    prepare_method(model, args)
    model.train()
    optimizer = create_optimizer(model, 2e-5, 0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, args.steps + 2)
    gen = torch.Generator().manual_seed(1)
    input_ids = torch.randint(1, config.vocab_size, (args.batch, args.seq), generator=gen)
    batch = {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "token_type_ids": torch.zeros_like(input_ids),
        "labels": torch.randint(0, 2, (args.batch,), generator=gen),
    }
    times: list[float] = []
    for i in range(args.steps + 2):
        t0 = time.perf_counter()
        logits = forward_logits(model, batch)
        loss = sequence_classification_loss(logits, batch["labels"], config)
        loss.backward()
        clip_grad_norm(model, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if i >= 2:
            times.append(time.perf_counter() - t0)
    median_ms = float(np.median(times)) * 1000.0
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    print(
        json.dumps(
            {
                "backend": "pytorch-cpu",
                "preset": args.preset,
                "seq": args.seq,
                "batch": args.batch,
                "threads": args.threads,
                "steps": args.steps,
                "step_ms_median": round(median_ms, 3),
                "samples_per_s": round(args.batch / (median_ms / 1000.0), 3),
                "peak_rss_mb": round(peak_rss_mb, 1),
            }
        ),
        flush=True,
    )


def build_parser() -> argparse.ArgumentParser:
    """Command-line interface."""
    parser = argparse.ArgumentParser(prog="torch_reference.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="write a random-init Hugging Face folder")
    p.add_argument("--model-type", required=True, choices=sorted(MODEL_CLASSES))
    p.add_argument("--config-json", default="{}", help="JSON object of config fields overriding the class defaults")
    p.add_argument("--num-labels", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("step", help="one training step; dump logits, loss, grads and updated params")
    p.add_argument("--model", required=True, help="HF folder with config.json and model.safetensors")
    p.add_argument("--batch", required=True, help="batch.json: input_ids, attention_mask, [token_type_ids], labels")
    p.add_argument("--out", required=True, help="output .safetensors")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--max-grad-norm", type=float, default=1.0, help="<= 0 disables clipping")
    p.add_argument("--warmup-steps", type=int, default=0)
    p.add_argument("--total-steps", type=int, default=10)
    p.add_argument("--dropout", action="store_true", help="train() mode (dropout on); default is eval-mode forward")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed before the forward (dropout masks)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    add_method_arguments(p)
    p.set_defaults(func=cmd_step)

    p = sub.add_parser("logits", help="eval-mode logits of a saved folder on a batch")
    p.add_argument("--model", required=True, help="HF folder with config.json and model.safetensors")
    p.add_argument("--batch", required=True, help="batch.json: input_ids, [attention_mask], [token_type_ids]")
    p.add_argument("--out", required=True, help="output .json with logits and id2label")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    p.set_defaults(func=cmd_logits)

    p = sub.add_parser("train", help="fine-tune on tokenized.json, evaluate every epoch")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True, help="tokenized.json with train, validation, order, hyper")
    p.add_argument("--out", required=True, help="result.json")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    p.add_argument("--save", default="", help="folder to write the trained model to (config.json + model.safetensors)")
    add_method_arguments(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("bench", help="time full training steps on CPU")
    p.add_argument("--model-type", default="bert", choices=["bert"])
    p.add_argument("--preset", default="tiny", choices=sorted(BENCH_PRESETS))
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    add_method_arguments(p)
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Optional[Iterable[str]] = None) -> None:
    """Entry point."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    args.func(args)


if __name__ == "__main__":
    main()
