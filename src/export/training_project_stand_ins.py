#!/usr/bin/env python3
"""Runs exported train.py files against stand-ins for transformers, datasets and peft.

The real libraries cannot be installed where the tests run (training-project.test.ts), so the
script runs with these modules in sys.modules instead. They record what train.py asks of them
and reproduce, after transformers 4.57, datasets 4.2 and peft 0.17, the behaviour the script's
own logic depends on:

* AutoTokenizer gives a tokenizer that returns the encodings the test computed with the studio's
  own tokenizer for exactly the exported rows (with word_ids() for words given one by one), and
  refuses any text it was not given: train.py must tokenize what the studio tokenized.
* Dataset.map(batched=True) replaces and adds the function's columns and drops remove_columns
  as datasets does (a removed column the function returns is kept).
* Trainer keeps the columns the model's forward takes plus label and label_ids, batches rows
  through the data collator into the model, whose loss is transformers' for its head and
  problem_type, checks that metric_for_best_model is among the evaluation metrics, and hands
  compute_metrics the evaluation rows' logits and labels concatenated with -100 padding, as its
  evaluation loop does.
* DataCollatorWithPadding and DataCollatorForTokenClassification are transformers' own logic.

The model has no weights that matter: its logits are a fixed function of the token ids (see
stand_in_logits; the test computes the same numbers), so compute_metrics sees known inputs.

Usage: python3 training_project_stand_ins.py PLAN.json
PLAN.json is a list of runs {"script", "env", "tokenizer", "log"}, or {"script", "compute_metrics",
"log"} to call only the script's compute_metrics on each {"logits", "labels", "labels_dtype"} given.
Each run's record (a list of events, ending with an "error" event when the script raised) is
written as JSON to its "log".
"""

from __future__ import annotations

import inspect
import json
import os
import runpy
import sys
import traceback
import types
from collections import UserDict
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn


class Run:
    """The run in progress: its record and the encodings its tokenizer may return."""

    events: list = []
    tokenizer: dict = {}


def record(kind, **fields):
    Run.events.append({"kind": kind, **fields})


def plain(value):
    """A JSON-able copy of what the script passed (tensors, arrays, nested containers)."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return type(value).__name__


def stand_in_logits(input_ids, attention_mask, num_labels, per_token):
    """((31·id + 17·position + 13·k) mod 23 − 11) / 4 per token, or for a sequence head
    ((31·Σ ids + 7·length + 13·k) mod 23 − 11) / 4 over the unpadded ids: exact in float32."""
    ids = input_ids.to(torch.int64)
    k = torch.arange(num_labels)
    if per_token:
        positions = torch.arange(ids.shape[1])
        code = ids[:, :, None] * 31 + positions[None, :, None] * 17 + k[None, None, :] * 13
    else:
        mask = attention_mask.to(torch.int64)
        code = (ids * mask).sum(1)[:, None] * 31 + mask.sum(1)[:, None] * 7 + k[None, :] * 13
    return (code % 23 - 11).to(torch.float32) / 4


# ---------------------------------------------------------------------------------------------
# datasets


class Dataset:
    def __init__(self, columns):
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: { {k: len(v) for k, v in columns.items()} }")
        self._columns = {k: list(v) for k, v in columns.items()}

    @classmethod
    def from_dict(cls, mapping, features=None, info=None, split=None):
        record("from_dict", columns=plain(mapping))
        return cls(dict(mapping))

    @property
    def column_names(self):
        return list(self._columns)

    def __len__(self):
        return len(next(iter(self._columns.values()), []))

    def __getitem__(self, index):
        return {k: v[index] for k, v in self._columns.items()}

    def remove_columns(self, column_names):
        missing = [c for c in column_names if c not in self._columns]
        if missing:
            raise ValueError(f"Column to remove {missing} not in the dataset. Current columns in the dataset: {self.column_names}")
        return Dataset({k: v for k, v in self._columns.items() if k not in column_names})

    def map(self, function, batched=False, batch_size=1000, remove_columns=None, **unsupported):
        if unsupported or not batched:
            raise NotImplementedError(f"the stand-in Dataset.map runs batched functions only, without {sorted(unsupported)}")
        removed = [remove_columns] if isinstance(remove_columns, str) else list(remove_columns or [])
        self.remove_columns(removed)
        columns = {}
        for start in range(0, len(self), batch_size):
            batch = {k: v[start : start + batch_size] for k, v in self._columns.items()}
            output = function(batch)
            if not isinstance(output, Mapping):
                raise TypeError(f"Provided `function` which is applied to all elements of table returns a variable of type {type(output)}. Make sure provided `function` returns a variable of type `dict` (or a pyarrow table) to update the dataset or `None` if you are only interested in side effects.")
            rows = len(next(iter(batch.values())))
            # Columns are removed before the function's output updates the batch: a removed column it returns stays.
            kept = {k: v for k, v in batch.items() if k not in removed and k not in output}
            for name, values in output.items():
                if len(values) != rows and kept:
                    raise ValueError(f"Column lengths mismatch: {name} has {len(values)} rows for a batch of {rows}")
            for name, values in {**kept, **output}.items():
                columns.setdefault(name, []).extend(list(values))
        return Dataset(columns)


# ---------------------------------------------------------------------------------------------
# transformers: tokenizer


class BatchEncoding(UserDict):
    def __init__(self, data, word_ids=None, tensor_type=None):
        super().__init__(data)
        self._word_ids = word_ids
        if tensor_type == "pt":
            for key, value in self.data.items():
                try:
                    self.data[key] = torch.tensor(value)
                except (ValueError, TypeError) as error:
                    raise ValueError(
                        "Unable to create tensor, you should probably activate truncation and/or padding with 'padding=True' 'truncation=True' to have batched tensors with the same length. "
                        f"Perhaps your features (`{key}` in this case) have excessive nesting (inputs type `list` where type `int` is expected)."
                    ) from error

    def word_ids(self, batch_index=0):
        if self._word_ids is None:
            raise ValueError("word_ids() is not available: the stand-in only has word ids of words encoded with is_split_into_words=True")
        return self._word_ids[batch_index]


class StandInTokenizer:
    """A fast tokenizer that returns the studio's encodings of the exported rows."""

    padding_side = "right"

    def __init__(self, name, kwargs):
        spec = Run.tokenizer
        self.name_or_path = name
        self.init_kwargs = kwargs
        self.pad_token_id = spec["pad_token_id"]
        self.model_input_names = spec["model_input_names"]
        self.add_prefix_space = kwargs.get("add_prefix_space", False)
        self._words = {(tuple(e["words"]), e["max_length"]): e for e in spec.get("words", [])}
        self._texts = {(e["text"], e["text_pair"], e["max_length"]): e for e in spec.get("texts", [])}

    def __call__(self, text=None, text_pair=None, add_special_tokens=True, padding=False, truncation=None, max_length=None, is_split_into_words=False, **unsupported):
        record("tokenize", rows=len(text), pairs=text_pair is not None, truncation=truncation, max_length=max_length, is_split_into_words=is_split_into_words, add_special_tokens=add_special_tokens, padding=padding, other=sorted(unsupported))
        if truncation is not True:
            raise NotImplementedError("the stand-in tokenizer only has encodings truncated to max_length")
        if is_split_into_words:
            if self.byte_level and not self.add_prefix_space:
                raise ValueError(f"You need to instantiate {type(self).__name__} with add_prefix_space=True to use it with pretokenized inputs.")
            if not (isinstance(text, (list, tuple)) and all(isinstance(words, (list, tuple)) for words in text)):
                raise TypeError("the stand-in takes a batch of sentences, each a list of words")
            for words in text:
                for word in words:
                    if not isinstance(word, str):
                        raise TypeError(f"TextInputSequence must be str, got {word!r} in {words!r}")
            found = [self._lookup(self._words, (tuple(words), max_length), words) for words in text]
            word_ids = [e["word_ids"] for e in found]
        else:
            pairs = [None] * len(text) if text_pair is None else text_pair
            found = [self._lookup(self._texts, (t, p, max_length), (t, p)) for t, p in zip(text, pairs)]
            word_ids = None
        data = {"input_ids": [e["input_ids"] for e in found]}
        if "token_type_ids" in self.model_input_names:
            data["token_type_ids"] = [e["token_type_ids"] for e in found]
        data["attention_mask"] = [[1] * len(e["input_ids"]) for e in found]
        return BatchEncoding(data, word_ids=word_ids)

    @staticmethod
    def _lookup(table, key, shown):
        if key not in table:
            raise KeyError(f"the stand-in tokenizer has no encoding of {shown!r} at max_length {key[-1]}: train.py tokenized what the studio did not")
        return table[key]

    def pad(self, encoded_inputs, padding=True, max_length=None, pad_to_multiple_of=None, return_attention_mask=None, return_tensors=None, verbose=True):
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], Mapping):
            encoded_inputs = {key: [example[key] for example in encoded_inputs] for key in encoded_inputs[0].keys()}
        if "input_ids" not in encoded_inputs:
            raise ValueError(f"You should supply an encoding or a list of encodings to this method that includes input_ids, but you provided {list(encoded_inputs.keys())}")
        if padding is not True or max_length is not None or pad_to_multiple_of is not None:
            raise NotImplementedError("the stand-in pads to the longest row only")
        longest = max(len(ids) for ids in encoded_inputs["input_ids"])
        batch = {key: list(values) for key, values in encoded_inputs.items()}
        if "attention_mask" in self.model_input_names and "attention_mask" not in batch:
            batch["attention_mask"] = [[1] * len(ids) for ids in batch["input_ids"]]
        fill = {"input_ids": self.pad_token_id, "token_type_ids": 0, "attention_mask": 0, "special_tokens_mask": 1}
        for key, value in fill.items():
            if key in batch:
                batch[key] = [list(row) + [value] * (longest - len(row)) for row in batch[key]]
        return BatchEncoding(batch, tensor_type=return_tensors)

    def save_pretrained(self, path):
        record("save_tokenizer", path=path)


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name, **kwargs):
        record("tokenizer", name=name, kwargs=plain(kwargs))
        spec = Run.tokenizer
        cls = type(spec["class_name"], (StandInTokenizer,), {"byte_level": spec["byte_level"]})
        return cls(name, kwargs)


# ---------------------------------------------------------------------------------------------
# transformers: collators (transformers' own logic)


class DataCollatorWithPadding:
    def __init__(self, tokenizer, padding=True, max_length=None, pad_to_multiple_of=None, return_tensors="pt"):
        self.tokenizer = tokenizer

    def __call__(self, features):
        batch = self.tokenizer.pad(features, padding=True, return_tensors="pt")
        for name in ("label", "label_ids"):
            if name in batch:
                batch["labels"] = batch[name]
                del batch[name]
        return batch


class DataCollatorForTokenClassification:
    def __init__(self, tokenizer, padding=True, max_length=None, pad_to_multiple_of=None, label_pad_token_id=-100, return_tensors="pt"):
        self.tokenizer = tokenizer
        self.label_pad_token_id = label_pad_token_id

    def __call__(self, features):
        label_name = "label" if "label" in features[0] else "labels"
        labels = [feature[label_name] for feature in features] if label_name in features[0] else None
        no_labels_features = [{k: v for k, v in feature.items() if k != label_name} for feature in features]
        batch = self.tokenizer.pad(no_labels_features, padding=True, return_tensors="pt")
        if labels is None:
            return batch
        sequence_length = batch["input_ids"].shape[1]
        batch[label_name] = [list(label) + [self.label_pad_token_id] * (sequence_length - len(label)) for label in labels]
        batch[label_name] = torch.tensor(batch[label_name], dtype=torch.int64)
        return batch


# ---------------------------------------------------------------------------------------------
# transformers: config and models

PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")


class AutoConfig:
    @staticmethod
    def from_pretrained(name, **kwargs):
        record("config", name=name, kwargs=plain(kwargs))
        return types.SimpleNamespace(name_or_path=name, **kwargs)


class StandInModel(nn.Module):
    """Parameters named as BERT's (two encoder layers), for freeze(); logits from stand_in_logits."""

    def __init__(self, per_token, config):
        super().__init__()
        num_labels = getattr(config, "num_labels", 2)
        id2label = getattr(config, "id2label", None)
        if id2label is not None and len(id2label) != num_labels:
            raise ValueError(f"num_labels={num_labels} with an id2label of {len(id2label)} labels")
        problem_type = getattr(config, "problem_type", None)
        if problem_type is not None and problem_type not in PROBLEM_TYPES:
            raise ValueError(f"The config parameter `problem_type` was not understood: received {problem_type} but only 'regression', 'single_label_classification' and 'multi_label_classification' are valid.")
        self.config = config
        self.num_labels = num_labels
        self.per_token = per_token
        self.bert = nn.Module()
        self.bert.embeddings = nn.Linear(1, 1)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([nn.Linear(1, 1) for _ in range(2)])
        self.classifier = nn.Linear(1, num_labels)

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None, inputs_embeds=None, labels=None, output_attentions=None, output_hidden_states=None, return_dict=None):
        logits = stand_in_logits(input_ids, attention_mask, self.num_labels, self.per_token)
        loss = None
        if labels is not None:
            if self.per_token:
                loss = nn.CrossEntropyLoss()(logits.view(-1, self.num_labels), labels.view(-1))
            else:
                loss = self._sequence_loss(logits, labels)
        return types.SimpleNamespace(loss=loss, logits=logits)

    def _sequence_loss(self, logits, labels):
        """BertForSequenceClassification's loss, problem_type inferred as transformers infers it."""
        if self.config.problem_type is None:
            if self.num_labels == 1:
                self.config.problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                self.config.problem_type = "single_label_classification"
            else:
                self.config.problem_type = "multi_label_classification"
        if self.config.problem_type == "regression":
            return nn.MSELoss()(logits.squeeze(), labels.squeeze()) if self.num_labels == 1 else nn.MSELoss()(logits, labels)
        if self.config.problem_type == "single_label_classification":
            return nn.CrossEntropyLoss()(logits.view(-1, self.num_labels), labels.view(-1))
        return nn.BCEWithLogitsLoss()(logits, labels)

    def save_pretrained(self, path):
        record("save_model", path=path, by=type(self).__name__)


def auto_model_class(class_name, per_token):
    def from_pretrained(cls, name, **kwargs):
        record("model", cls=class_name, how="from_pretrained", name=name, kwargs=plain(kwargs))
        return cls(per_token, types.SimpleNamespace(**{"problem_type": None, **kwargs}))

    def from_config(cls, config):
        record("model", cls=class_name, how="from_config", config=plain(vars(config)))
        return cls(per_token, config)

    model = type(class_name.replace("Auto", "StandIn"), (StandInModel,), {})
    return type(class_name, (), {"from_pretrained": classmethod(lambda cls, name, **kw: from_pretrained(model, name, **kw)), "from_config": classmethod(lambda cls, config: from_config(model, config))})


AutoModelForSequenceClassification = auto_model_class("AutoModelForSequenceClassification", per_token=False)
AutoModelForTokenClassification = auto_model_class("AutoModelForTokenClassification", per_token=True)


def set_seed(seed):
    record("seed", seed=seed)


# ---------------------------------------------------------------------------------------------
# transformers: training

TRAINING_ARGUMENTS = {
    "output_dir", "num_train_epochs", "per_device_train_batch_size", "per_device_eval_batch_size", "learning_rate", "weight_decay",
    "warmup_ratio", "max_grad_norm", "gradient_accumulation_steps", "max_steps", "seed", "eval_strategy", "eval_steps",
    "lr_scheduler_type", "optim", "adam_beta1", "adam_beta2", "adam_epsilon", "load_best_model_at_end", "metric_for_best_model",
    "greater_is_better", "save_strategy", "save_steps", "logging_steps", "report_to", "label_names", "remove_unused_columns",
}


class TrainingArguments:
    """The fields train.py sets, with TrainingArguments.__post_init__'s check of saving against evaluating."""

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - TRAINING_ARGUMENTS)
        if unknown:
            raise TypeError(f"TrainingArguments.__init__() got an unexpected keyword argument '{unknown[0]}'")
        record("args", kwargs=plain(kwargs))
        defaults = {"per_device_train_batch_size": 8, "per_device_eval_batch_size": 8, "eval_strategy": "no", "eval_steps": None, "save_strategy": "steps", "save_steps": 500, "load_best_model_at_end": False, "metric_for_best_model": None, "label_names": None, "remove_unused_columns": True}
        for key, value in {**defaults, **kwargs}.items():
            setattr(self, key, value)
        if self.load_best_model_at_end and self.metric_for_best_model is None:
            self.metric_for_best_model = "loss"
        if self.load_best_model_at_end:
            if self.eval_strategy != self.save_strategy:
                raise ValueError(f"--load_best_model_at_end requires the save and eval strategy to match, but found\n- Evaluation strategy: {self.eval_strategy}\n- Save strategy: {self.save_strategy}")
            if self.eval_strategy == "steps" and self.save_steps % self.eval_steps != 0:
                raise ValueError(f"--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps, but found {self.save_steps}, which is not a round multiple of {self.eval_steps}.")


class EarlyStoppingCallback:
    def __init__(self, early_stopping_patience=1, early_stopping_threshold=0.0):
        self.early_stopping_patience = early_stopping_patience
        self.early_stopping_threshold = early_stopping_threshold

    def on_train_begin(self, args):
        assert args.metric_for_best_model is not None, "EarlyStoppingCallback requires metric_for_best_model to be defined"
        assert args.eval_strategy != "no", "EarlyStoppingCallback requires IntervalStrategy of steps or epoch"


class EvalPrediction:
    def __init__(self, predictions, label_ids):
        self.predictions = predictions
        self.label_ids = label_ids

    def __iter__(self):
        return iter((self.predictions, self.label_ids))


def pad_and_concatenate(first, second, padding_index=-100):
    """Trainer's torch_pad_and_concatenate: rows of different lengths padded with -100 along dim 1."""
    if first.dim() == 1 or first.shape[1] == second.shape[1]:
        return torch.cat((first, second), dim=0)
    shape = (first.shape[0] + second.shape[0], max(first.shape[1], second.shape[1])) + tuple(first.shape[2:])
    result = first.new_full(shape, padding_index)
    result[: first.shape[0], : first.shape[1]] = first
    result[first.shape[0] :, : second.shape[1]] = second
    return result


class Trainer:
    def __init__(self, model=None, args=None, data_collator=None, train_dataset=None, eval_dataset=None, processing_class=None, model_init=None, compute_loss_func=None, compute_metrics=None, callbacks=None, optimizers=(None, None), optimizer_cls_and_kwargs=None, preprocess_logits_for_metrics=None):
        self.model = model
        self.args = args
        self.data_collator = data_collator
        self.compute_metrics = compute_metrics
        self.callbacks = list(callbacks or [])
        inspected = model.get_base_model() if hasattr(model, "get_base_model") else model
        self.signature_columns = list(inspect.signature(inspected.forward).parameters) + ["label", "label_ids"] + list(args.label_names or [])
        self.train_dataset = self._remove_unused_columns(train_dataset, "train")
        self.eval_dataset = None if eval_dataset is None else self._remove_unused_columns(eval_dataset, "eval")
        record(
            "trainer",
            model=type(inspected).__name__,
            peft=inspected is not model,
            collator=type(data_collator).__name__,
            processing_class=type(processing_class).__name__,
            callbacks=[{"name": type(c).__name__, **vars(c)} for c in self.callbacks],
            frozen=[name for name, parameter in model.named_parameters() if not parameter.requires_grad],
            train_rows=len(train_dataset),
            eval_rows=None if eval_dataset is None else len(eval_dataset),
        )

    def _remove_unused_columns(self, dataset, split):
        ignored = [c for c in dataset.column_names if c not in self.signature_columns]
        kept = dataset.remove_columns(ignored)
        record("columns", split=split, kept=kept.column_names, ignored=ignored, rows=[kept[i] for i in range(len(kept))])
        return kept

    def _batches(self, dataset, size):
        for start in range(0, len(dataset), size):
            yield self.data_collator([dataset[i] for i in range(start, min(start + size, len(dataset)))])

    def train(self):
        for callback in self.callbacks:
            callback.on_train_begin(self.args)
        self.model.train()
        batches = []
        for batch in self._batches(self.train_dataset, self.args.per_device_train_batch_size):
            output = self.model(**batch)
            if output.loss is None or not torch.isfinite(output.loss):
                raise ValueError(f"the model gave no finite loss for a training batch with keys {sorted(batch)}")
            batches.append({k: plain(v) for k, v in batch.items()})
        record("train", batches=batches)
        if self.eval_dataset is not None and self.args.eval_strategy != "no":
            metrics = self._evaluate("during training")
            if self.args.metric_for_best_model is not None:
                name = self.args.metric_for_best_model
                key = name if name.startswith("eval_") else f"eval_{name}"
                if key not in metrics:
                    raise KeyError(f"The `metric_for_best_model` training argument is set to '{key}', which is not found in the evaluation metrics. The available evaluation metrics are: {list(metrics.keys())}.")

    def evaluate(self):
        return self._evaluate("evaluate")

    def _evaluate(self, when):
        if self.eval_dataset is None:
            raise ValueError("Trainer: evaluation requires an eval_dataset.")
        self.model.eval()
        losses, logits, labels = [], None, None
        with torch.no_grad():
            for batch in self._batches(self.eval_dataset, self.args.per_device_eval_batch_size):
                output = self.model(**batch)
                if output.loss is not None:
                    losses.append(float(output.loss))
                logits = output.logits if logits is None else pad_and_concatenate(logits, output.logits)
                batch_labels = batch.get("labels")
                if batch_labels is not None:
                    labels = batch_labels if labels is None else pad_and_concatenate(labels, batch_labels)
        metrics = {}
        if self.compute_metrics is not None and labels is not None:
            metrics = self.compute_metrics(EvalPrediction(predictions=logits.numpy(), label_ids=labels.numpy()))
            record("metrics", when=when, value=plain(metrics))
        result = {f"eval_{k}": v for k, v in metrics.items()}
        if losses:
            result["eval_loss"] = float(np.mean(losses))
        return result

    def save_model(self, output_dir=None):
        record("save_model", path=output_dir, by="Trainer")


# ---------------------------------------------------------------------------------------------
# peft


LORA_FIELDS = {"task_type", "r", "lora_alpha", "lora_dropout", "target_modules", "modules_to_save", "bias"}


class LoraConfig:
    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - LORA_FIELDS)
        if unknown:
            raise TypeError(f"LoraConfig.__init__() got an unexpected keyword argument '{unknown[0]}'")
        self.kwargs = kwargs


class PeftModel(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.base_model = nn.Module()
        self.base_model.model = model

    def get_base_model(self):
        return self.base_model.model

    def forward(self, *args, **kwargs):
        return self.base_model.model(*args, **kwargs)

    def save_pretrained(self, path):
        record("save_adapter", path=path)

    def merge_and_unload(self):
        return self.base_model.model


def get_peft_model(model, config):
    record("peft", config=plain(config.kwargs))
    return PeftModel(model)


# ---------------------------------------------------------------------------------------------


def module(name, members):
    result = types.ModuleType(name)
    for member in members:
        setattr(result, member.__name__, member)
    return result


sys.modules["datasets"] = module("datasets", [Dataset])
sys.modules["transformers"] = module(
    "transformers",
    [AutoConfig, AutoTokenizer, AutoModelForSequenceClassification, AutoModelForTokenClassification, DataCollatorWithPadding, DataCollatorForTokenClassification, EarlyStoppingCallback, Trainer, TrainingArguments, set_seed],
)
sys.modules["peft"] = module("peft", [LoraConfig, get_peft_model])


def run(plan):
    """Runs the script as `python train.py` does, or, given "compute_metrics" inputs, only calls that function on each."""
    saved = dict(os.environ)
    Run.events, Run.tokenizer = [], plan.get("tokenizer", {})
    os.environ.update(plan.get("env", {}))
    try:
        if "compute_metrics" in plan:
            script = runpy.run_path(plan["script"], run_name="train")
            for inputs in plan["compute_metrics"]:
                prediction = EvalPrediction(np.array(inputs["logits"], dtype=np.float32), np.array(inputs["labels"], dtype=inputs["labels_dtype"]))
                record("metrics", when="direct", value=plain(script["compute_metrics"](prediction)))
        else:
            runpy.run_path(plan["script"], run_name="__main__")
    except Exception as error:  # the test reports it with the events before it
        record("error", type=type(error).__name__, message=str(error), traceback=traceback.format_exc())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with open(plan["log"], "w", encoding="utf-8") as f:
        json.dump(Run.events, f)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        for planned in json.load(f):
            run(planned)
