/**
 * Every model family the engine builds, by config.json's model_type. Adding a family is one file
 * beside these (see family.ts for what it declares) and one line here.
 */
import type { ModelFamily } from '../family.ts';
import { bert } from './bert.ts';
import { distilbert } from './distilbert.ts';
import { electra } from './electra.ts';
import { roberta } from './roberta.ts';
import { xlmRoberta } from './xlm-roberta.ts';

export const modelFamilies = {
  bert,
  roberta,
  'xlm-roberta': xlmRoberta,
  electra,
  distilbert,
} as const satisfies Record<string, ModelFamily>;
