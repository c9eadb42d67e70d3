/**
 * Test support: PyTorch checkpoints written at test time by make_pytorch_checkpoints.py with
 * Debian's python3-torch, into a temporary folder removed after the test file. Where torch is
 * missing, `skipReason` says so and no file exists.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'make_pytorch_checkpoints.py');

function torchUnavailableReason(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch (install Debian's python3-torch)`;
  }
}

export interface PytorchFixtures {
  readonly skipReason: string | null;
  readonly dir: string;
  /** The bytes of one written file. */
  file(name: string): Uint8Array;
}

export function writePytorchFixtures(prefix: string): PytorchFixtures {
  const skipReason = torchUnavailableReason();
  const dir = skipReason === null ? mkdtempSync(join(tmpdir(), prefix)) : '';
  if (skipReason === null) execFileSync(PYTHON, [SCRIPT, dir], { stdio: 'pipe' });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  return { skipReason, dir, file: (name) => new Uint8Array(readFileSync(join(dir, name))) };
}
