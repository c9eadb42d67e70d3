import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../store/useStudio.ts';
import { readDrop } from './drop.ts';

/** Model files dropped one by one instead of as their folder. */
const MODEL_FILE = /^(config\.json|model\.safetensors|pytorch_model\.bin|tokenizer(_config)?\.json|vocab\.(txt|json)|merges\.txt|special_tokens_map\.json)$/;

/**
 * The whole window takes drops: a dataset file loads as the dataset, a folder as the model.
 * An overlay says so while something is dragged over the page.
 */
export function DropZone() {
  const [dragging, setDragging] = useState(false);
  const { loadDatasetFile, loadModelFolder, showError, goTo } = useStudio(
    useShallow((s) => ({ loadDatasetFile: s.loadDatasetFile, loadModelFolder: s.loadModelFolder, showError: s.showError, goTo: s.goTo })),
  );
  useEffect(() => {
    let depth = 0;
    const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => {
      if (carriesFiles(e)) e.preventDefault();
    };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer || !carriesFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      readDrop(e.dataTransfer).then(
        (dropped) => {
          if (dropped.kind === 'folder') {
            goTo('model');
            loadModelFolder(dropped.files);
          } else if (dropped.kind === 'file') {
            if (MODEL_FILE.test(dropped.file.name)) {
              showError('data', `${dropped.file.name} is a model file. To load a model, drop its whole folder (config.json, the weights and the tokenizer files together).`);
              return;
            }
            goTo('data');
            loadDatasetFile(dropped.file);
          }
        },
        (error: unknown) => showError('data', `The dropped items could not be read: ${error instanceof Error ? error.message : String(error)}`),
      );
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [loadDatasetFile, loadModelFolder, showError, goTo]);
  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden>
      <div>
        <p className="drop-title">Drop it anywhere</p>
        <p>A file (CSV, TSV, JSON, JSONL, Parquet) becomes your dataset.</p>
        <p>A folder (config.json, weights, tokenizer) becomes your model.</p>
      </div>
    </div>
  );
}
