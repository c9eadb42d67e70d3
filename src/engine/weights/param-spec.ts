/** One trainable parameter of a model graph, named exactly as in the Hugging Face PyTorch model. */
export interface ParamSpec {
  /** e.g. `bert.encoder.layer.0.attention.self.query.weight`, `classifier.weight`. */
  name: string;
  shape: number[];
  /**
   * How transformers' `_init_weights` fills it when a checkpoint lacks it:
   * Linear and Embedding weights from normal(0, initializer_range), biases and
   * LayerNorm biases with zeros, LayerNorm weights with ones. A LoRA lora_A weight is
   * kaiming-uniform with a = √5 as peft (and nn.Linear) draws it: uniform(±1/√in_features).
   */
  init: 'normal' | 'zeros' | 'ones' | 'kaiming-uniform';
  /**
   * An Embedding's padding_idx: `_init_weights` zeroes this row after the normal draw, so a
   * model trained from scratch starts with a zero pad embedding as transformers' does.
   */
  zeroRow?: number;
}
