/** `dlgrade runner`: what this machine offers checks that need hardware (its tags and devices). */
import type { Command } from 'commander';
import { resolvePython } from '../python/environment.ts';
import { detectRunner, givenRunner } from '../python/tags.ts';
import { loadPack } from '../spec/load.ts';
import type { Cli } from './options.ts';

export function runnerCommand(program: Command, _cli: Cli) {
  program
    .command('runner')
    .description('print what this runner offers to checks that need hardware (tags, devices)')
    .option('-a, --assignment <pack>', 'detect in the interpreter this pack would use')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--tags <list>', 'override the detected tags')
    .action(async (o) => {
      const spec = o.assignment ? loadPack(o.assignment).spec.python : { interpreters: ['python3'] };
      const python = await resolvePython(spec, o.python);
      const info = o.tags ? givenRunner(o.tags) : await detectRunner(python.executable);
      console.log(`tags: ${info.tags.join(', ')} (${info.source})`);
      console.log(`python: ${python.executable} (Python ${python.python})${info.torch ? `, torch ${info.torch}` : ', no torch'}`);
      for (const d of info.devices) console.log(`device: ${d.name}${d.model ? ` ${d.model}` : ''}${d.memory_gib ? `, ${d.memory_gib} GiB` : ''}${d.cores ? `, ${d.cores} cores` : ''}`);
    });
}
