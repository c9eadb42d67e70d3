/**
 * `finetune-studio serve`: the built studio (and model folders, under the Hub's URLs) for this
 * computer or a classroom's network, with the addresses to open printed.
 */
import { existsSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findModelRepos, type ModelRepos } from '../hosting/model-repos.ts';
import { startStudioServer } from '../hosting/studio-server.ts';
import type { ServeCommand } from './args.ts';

const checkout = fileURLToPath(new URL('../..', import.meta.url));

/** Serves until `stopped` settles (Ctrl-C in the terminal). */
export async function runServe(cmd: ServeCommand, print: (line: string) => void, log: (line: string) => void, stopped: Promise<void>): Promise<void> {
  const root = cmd.dir === null ? await checkoutBuild(log) : resolve(cmd.dir);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root} has no index.html: --dir takes the folder \`npm run build\` writes (dist/)`);
  const models: ModelRepos = cmd.models === null ? new Map() : await findModelRepos(cmd.models);
  const server = await startStudioServer({ root, models, host: cmd.host, port: cmd.port });
  for (const line of servingLines({ root, host: cmd.host, port: server.port, models: [...models.keys()], interfaces: networkInterfaces() })) print(line);
  await stopped;
  await server.close();
}

/** This checkout's dist/, built first when it is missing (vite is one of its dev dependencies). */
async function checkoutBuild(log: (line: string) => void): Promise<string> {
  const dist = join(checkout, 'dist');
  if (existsSync(join(dist, 'index.html'))) return dist;
  log(`No built studio in ${dist} yet: building it (npm run build does the same)…`);
  const { build } = await import('vite');
  await build({ root: checkout, configFile: join(checkout, 'vite.config.ts'), logLevel: 'error' });
  return dist;
}

export interface ServingFacts {
  readonly root: string;
  readonly host: string;
  readonly port: number;
  readonly models: readonly string[];
  readonly interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

const LISTENS_EVERYWHERE = new Set(['0.0.0.0', '::', '']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** What `serve` prints once it listens: the addresses to open (with ?hub= when it serves models), the models, and the limits. */
export function servingLines(facts: ServingFacts): string[] {
  const everywhere = LISTENS_EVERYWHERE.has(facts.host);
  const addresses: [label: string, hostname: string][] = [];
  if (everywhere || LOOPBACK.has(facts.host)) addresses.push(['On this computer:', 'localhost']);
  if (everywhere) {
    for (const list of Object.values(facts.interfaces)) {
      for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) addresses.push(['On the network:', i.address]);
    }
  } else if (!LOOPBACK.has(facts.host)) {
    addresses.push(['At:', facts.host]);
  }
  const url = (hostname: string) => {
    const origin = `http://${hostname}:${facts.port}`;
    return facts.models.length > 0 ? `${origin}/?hub=${origin}` : `${origin}/`;
  };
  const lines = [`Serving the studio in ${facts.root}`, ...addresses.map(([label, hostname]) => `  ${label.padEnd(19)} ${url(hostname)}`)];
  if (LOOPBACK.has(facts.host)) lines.push('  (other computers cannot reach it: add --host 0.0.0.0 to serve the local network)');
  if (facts.models.length > 0) lines.push(`Models, for the Model step's id box: ${facts.models.join(', ')}`);
  if (addresses.some(([, hostname]) => hostname !== 'localhost')) {
    lines.push(
      'Other computers get the page over plain http, and browsers keep WebGPU and WASM threads for https pages and localhost:',
      'there the studio trains on one CPU thread. See "Hosting" in README.md.',
    );
  }
  lines.push('Press Ctrl-C to stop.');
  return lines;
}
