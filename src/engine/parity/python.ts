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
