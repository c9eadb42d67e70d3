/** Entry point of `finetune-studio` / `npm run cli --`. */
import { DatasetError } from '../data/dataset-error.ts';
import { parseCommand, usage, UsageError } from './args.ts';
import { runEval, runPredict } from './inference.ts';
import { runServe } from './serve.ts';
import { runTrain } from './train.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const print = (line: string) => process.stdout.write(`${line}\n`);

/** Settles on Ctrl-C (or a service manager's SIGTERM). */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const cmd = parseCommand(argv);
    switch (cmd.command) {
      case 'help':
        print(usage);
        return 0;
      case 'train':
        // 130 for a run stopped by a signal, as shells report Ctrl-C: its folder is written, but the run did not finish.
        return (await runTrain(cmd, log)) === 'finished' ? 0 : 130;
      case 'predict':
        await runPredict(cmd, print, log);
        return 0;
      case 'eval':
        await runEval(cmd, print, log);
        return 0;
      case 'serve':
        await runServe(cmd, print, log, interrupted());
        return 0;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      log(`error: ${e.message}\n\n${usage}`);
      return 2;
    }
    log(`error: ${e instanceof DatasetError || e instanceof Error ? e.message : String(e)}`);
    if (process.env.FINETUNE_STUDIO_DEBUG && e instanceof Error) log(e.stack ?? '');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
