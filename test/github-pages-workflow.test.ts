/**
 * The GitHub Pages workflow cannot run here (no GitHub, no network), so it is checked as far as
 * it can be: valid YAML, valid against GitHub's workflow schema (action-validator ships
 * SchemaStore's), and consistent with this project: the scripts it runs exist, it uploads the
 * folder Vite builds, and that build works under the sub-path Pages serves it from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import viteConfig from '../vite.config.ts';
import { repoRoot } from '../e2e/support/browser.ts';

const WORKFLOW_PATH = resolve(repoRoot, '.github/workflows/pages.yml');
const source = readFileSync(WORKFLOW_PATH, 'utf8');

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly needs?: string | string[];
  readonly steps: Step[];
  readonly environment?: { readonly name: string };
}
interface Workflow {
  readonly on: { readonly push?: { readonly branches: string[] }; readonly workflow_dispatch?: unknown };
  readonly permissions: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function parseWorkflow(): Workflow {
  const document = parseDocument(source, { uniqueKeys: true, prettyErrors: true });
  expect(document.errors.map(String)).toEqual([]);
  expect(document.warnings.map(String)).toEqual([]);
  return document.toJS() as Workflow;
}

describe('.github/workflows/pages.yml', () => {
  it('is valid YAML and a valid GitHub Actions workflow', () => {
    parseWorkflow();
    expect(validateWorkflow(source).errors).toEqual([]);
  });

  it('the schema check catches a broken workflow (a step with both uses and run, a job without runs-on)', () => {
    const broken = 'on: push\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n        run: echo\n';
    expect(validateWorkflow(broken).errors).not.toEqual([]);
  });

  it('builds with this project’s scripts on pushes to main, and deploys what Vite builds to Pages', () => {
    const workflow = parseWorkflow();
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.permissions).toMatchObject({ pages: 'write', 'id-token': 'write' });

    const build = workflow.jobs.build!;
    const runs = build.steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    const scripts = (JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toMatch(/vite build/);
    const upload = build.steps.find((step) => step.uses?.startsWith('actions/upload-pages-artifact@'));
    expect(upload?.with?.path).toBe(viteConfig.build?.outDir ?? 'dist');

    const deploy = workflow.jobs.deploy!;
    expect(deploy.needs).toBe('build');
    expect(deploy.environment?.name).toBe('github-pages');
    expect(deploy.steps.map((step) => step.uses)).toEqual([expect.stringMatching(/^actions\/deploy-pages@v\d+$/)]);
  });

  it('pins every action to a major version', () => {
    const uses = Object.values(parseWorkflow().jobs).flatMap((job) => job.steps.flatMap((step) => (step.uses ? [step.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^actions\/[\w-]+@v\d+$/);
  });

  it('the build works under the sub-path Pages serves a project from (https://user.github.io/<repo>/)', () => {
    // Relative: every asset, worker, wasm and demo URL resolves against the page, wherever it is.
    expect(viteConfig.base).toBe('./');
  });
});
