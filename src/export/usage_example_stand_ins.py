#!/usr/bin/env python3
"""Runs a model card's Python example (usage-examples.ts) against stand-ins for transformers.

transformers cannot be installed where the tests run, so the example runs with this `transformers`
module in sys.modules. It loads the exported folder with the PyTorch reference
(src/engine/parity/torch_reference.py: the model built from config.json, model.safetensors read by
HF names) and reproduces, after transformers 4.57, what the example's own lines depend on:

* AutoTokenizer gives a tokenizer that returns the encodings the test computed for exactly the
  example's texts (one text or a pair) and refuses any other text.
* AutoModelForSequenceClassification.from_pretrained gives the reference model in eval mode; its
  output has `.logits`, and its `.config` has every config.json key as an attribute (so
  `multi_label_threshold`), `id2label` with int keys, as PretrainedConfig has.
* pipeline("text-classification") encodes a text or a {"text", "text_pair"} dict, applies
  `function_to_apply` (by default sigmoid for multi_label_classification or one label, none for
  regression, softmax otherwise), returns `top_k` answers sorted by score (a dict for top_k=1, all
  for top_k=None), and wraps one text's answer in a list when top_k was not given in the call.

Usage: python3 usage_example_stand_ins.py PLAN.json
PLAN.json is {"script", "folder", "encodings": [{"text", "text_pair", "input_ids",
"attention_mask", "token_type_ids"}], "out"}; what the script prints (each call's arguments) is
written to "out" as JSON.
"""

from __future__ import annotations

import json
import runpy
import sys
import types
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "engine" / "parity"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch_reference  # noqa: E402
from training_project_stand_ins import plain  # noqa: E402


class Plan:
    folder = ""
    encodings: list = []


def require_folder(name):
    if name != Plan.folder:
        raise OSError(f"{name} is not the exported folder {Plan.folder}")


class Tokenizer:
    def __call__(self, text, text_pair=None, truncation=None, max_length=None, return_tensors=None, **unsupported):
        if unsupported:
            raise TypeError(f"the stand-in tokenizer does not take {sorted(unsupported)}")
        for e in Plan.encodings:
            if e["text"] == text and e.get("text_pair") == text_pair:
                rows = {k: e[k] for k in ("input_ids", "attention_mask", "token_type_ids") if e.get(k) is not None}
                return {k: torch.tensor([v]) for k, v in rows.items()} if return_tensors == "pt" else rows
        raise ValueError(f"the test gave no encoding of {text!r} / {text_pair!r}")


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name, **kwargs):
        require_folder(name)
        return Tokenizer()


class Config:
    """PretrainedConfig's view of config.json: every key an attribute, id2label keyed by int."""

    def __init__(self, reference_config):
        for key, value in reference_config.values.items():
            setattr(self, key, value)
        self.id2label = {int(k): v for k, v in reference_config.values["id2label"].items()}
        self.num_labels = len(self.id2label)


class Output:
    def __init__(self, logits):
        self.logits = logits


class Model:
    def __init__(self, name):
        require_folder(name)
        self.module, reference_config = torch_reference.load_model(name)
        self.module.eval()
        self.config = Config(reference_config)

    def __call__(self, input_ids, attention_mask, token_type_ids=None):
        return Output(self.module(input_ids, attention_mask, token_type_ids))


class AutoModelForSequenceClassification:
    @staticmethod
    def from_pretrained(name, **kwargs):
        return Model(name)


class TextClassificationPipeline:
    def __init__(self, model, top_k=1, function_to_apply=None):
        self.model = Model(model)
        self.tokenizer = Tokenizer()
        self.top_k = top_k
        self.function_to_apply = function_to_apply

    def _scores(self, logits):
        config = self.model.config
        apply = self.function_to_apply
        if apply is None:
            if getattr(config, "problem_type", None) == "regression":
                apply = "none"
            elif getattr(config, "problem_type", None) == "multi_label_classification" or config.num_labels == 1:
                apply = "sigmoid"
            else:
                apply = "softmax"
        return {"none": logits, "sigmoid": torch.sigmoid(logits), "softmax": torch.softmax(logits, -1)}[apply]

    def __call__(self, inputs, **kwargs):
        legacy = "top_k" not in kwargs
        top_k = kwargs.pop("top_k", self.top_k)
        if kwargs:
            raise TypeError(f"the stand-in pipeline does not take {sorted(kwargs)}")
        pair = isinstance(inputs, dict)
        encoded = self.tokenizer(inputs["text"], text_pair=inputs["text_pair"], return_tensors="pt") if pair else self.tokenizer(inputs, return_tensors="pt")
        with torch.no_grad():
            scores = self._scores(self.model(**encoded).logits[0])
        ranked = sorted(({"label": self.model.config.id2label[i], "score": s} for i, s in enumerate(scores.tolist())), key=lambda x: -x["score"])
        result = ranked[0] if top_k == 1 else ranked if top_k is None else ranked[:top_k]
        return [result] if isinstance(inputs, str) and legacy else result


def pipeline(task, model=None, **kwargs):
    if task != "text-classification":
        raise ValueError(f"the stand-ins have no {task} pipeline")
    return TextClassificationPipeline(model, **kwargs)


def main(plan_path):
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    Plan.folder = plan["folder"]
    Plan.encodings = plan["encodings"]
    module = types.ModuleType("transformers")
    for member in (AutoTokenizer, AutoModelForSequenceClassification, pipeline):
        setattr(module, member.__name__, member)
    sys.modules["transformers"] = module
    printed = []
    runpy.run_path(plan["script"], init_globals={"print": lambda *args: printed.append(plain(list(args)))}, run_name="__main__")
    with open(plan["out"], "w", encoding="utf-8") as f:
        json.dump(printed, f)


if __name__ == "__main__":
    main(sys.argv[1])
