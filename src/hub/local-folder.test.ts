import { describe, expect, it } from 'vitest';
import { type LocalFile, modelFilesFromFileList } from './local-folder.ts';
import { ModelFilesError } from './model-files.ts';

const text = (s: string) => new TextEncoder().encode(s);

/** Files with their contents; reading one not listed in `readable` fails the test. */
function localFiles(contents: Record<string, string>, readable: (name: string) => boolean = () => true): LocalFile[] {
  return Object.entries(contents).map(([name, content]) => ({
    name,
    bytes: async () => {
      if (!readable(name)) throw new Error(`${name} should not be read`);
      return text(content);
    },
  }));
}

describe('modelFilesFromFileList', () => {
  it('strips the picked folder, which becomes the source, and never reads unrelated files', async () => {
    const files = localFiles(
      {
        'my-model/config.json': '{}',
        'my-model/model.safetensors': 'weights',
        'my-model/vocab.txt': '[PAD]',
        'my-model/tokenizer_config.json': '{"t":1}',
        'my-model/README.md': '# readme',
        'my-model/.git/HEAD': 'ref',
        'my-model/onnx/model.onnx': 'onnx',
        'my-model/onnx/config.json': '{"wrong":true}',
      },
      (name) => !/README|\.git|onnx/.test(name),
    );
    const model = await modelFilesFromFileList(files);
    expect(model.source).toBe('my-model');
    expect([...model.files.keys()]).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
    expect(model.files.get('config.json')).toEqual(text('{}'));
    expect(model.files.get('model.safetensors')).toEqual(text('weights'));
  });

  it('reads only the preferred weights when both kinds are there', async () => {
    const files = localFiles(
      { 'm/config.json': '{}', 'm/model.safetensors': 'st', 'm/pytorch_model.bin': 'bin', 'm/tokenizer.json': '{}' },
      (name) => !name.endsWith('.bin'),
    );
    expect([...(await modelFilesFromFileList(files)).files.keys()]).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
  });

  it('finds the model in a folder inside the picked one', async () => {
    const files = localFiles({ 'downloads/bert-tiny/config.json': '{}', 'downloads/bert-tiny/pytorch_model.bin': 'bin', 'downloads/bert-tiny/vocab.txt': 'v' });
    const model = await modelFilesFromFileList(files);
    expect(model.source).toBe('bert-tiny');
    expect([...model.files.keys()]).toEqual(['config.json', 'pytorch_model.bin', 'vocab.txt']);
  });

  it('takes loose files and Windows paths', async () => {
    const loose = await modelFilesFromFileList(localFiles({ 'config.json': '{}', 'model.safetensors': 'w', 'vocab.txt': 'v' }));
    expect(loose.source).toBe('local files');
    expect(loose.files.size).toBe(3);

    const windows = await modelFilesFromFileList(localFiles({ 'm\\config.json': '{}', 'm\\model.safetensors': 'w', 'm\\vocab.txt': 'v' }));
    expect(windows.source).toBe('m');
    expect([...windows.files.keys()]).toEqual(['config.json', 'model.safetensors', 'vocab.txt']);
  });

  it('names what the folder holds when config.json is missing', async () => {
    const files = localFiles({ 'm/README.md': '', 'm/onnx/model.onnx': '', 'm/onnx/config.json': '', 'm/.git/HEAD': '' });
    await expect(modelFilesFromFileList(files)).rejects.toBeInstanceOf(ModelFilesError);
    await expect(modelFilesFromFileList(files)).rejects.toThrow(
      'Folder "m" has no config.json, so it is not a Transformers model the studio can fine-tune. Found: .git/, README.md, onnx/.',
    );
  });

  it('names what the folder holds when the weights or the tokenizer are missing', async () => {
    await expect(modelFilesFromFileList(localFiles({ 'm/config.json': '{}', 'm/model.onnx': '', 'm/vocab.txt': '' }))).rejects.toThrow(
      /^Folder "m" has no weights: .* Found: config.json, model.onnx, vocab.txt\.$/,
    );
    await expect(modelFilesFromFileList(localFiles({ 'm/config.json': '{}', 'm/model.safetensors': '' }))).rejects.toThrow(
      /^Folder "m" has no tokenizer: .* Found: config.json, model.safetensors\.$/,
    );
  });

  it('says the selection is empty when nothing was picked', async () => {
    await expect(modelFilesFromFileList([])).rejects.toThrow(/^The selection has no config.json, so it is not a Transformers model the studio can fine-tune\.$/);
  });
});
