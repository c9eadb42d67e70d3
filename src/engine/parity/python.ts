/** The Python that runs the PyTorch references (Debian's python3-torch), and whether it can. */
import { execFileSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Why the PyTorch reference cannot run here, for a test's skip message; null when it can. */
export function torchUnavailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch`;
  }
}

/**
 * The environment for a reference run on `threads` threads: libgomp's default spin-waiting and
 * OpenBLAS's own thread pool make PyTorch several times slower on a busy machine (bench/README.md);
 * how threads wait changes no result.
 */
export function quietTorchEnv(threads: number): NodeJS.ProcessEnv {
  return { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: String(threads) };
}
