/** `dlgrade reference`: evaluate any reference op on any inputs, or list them. */
import type { Command } from 'commander';
import type { Cli } from './options.ts';
import { OPS, findOp } from '../../reference/registry.ts';
import { pythonOp } from '../../reference/python/ops.ts';
import type { RefOp } from '../../reference/op.ts';
import { loadPack } from '../spec/load.ts';
import { readNpz, writeNpz } from '../tensor/npz.ts';
import { readNpy } from '../tensor/npy.ts';
import type { Tensor } from '../tensor/tensor.ts';

export function referenceCommand(program: Command, cli: Cli) {
  const setExit = (code: number) => cli.setExit(code);
  program
    .command('reference')
    .description('evaluate a reference op on named inputs (an .npz), or --list the ops')
    .argument('[op]', 'the op to run')
    .option('--in <file>', 'inputs: an .npz whose members are named as the op\'s inputs')
    .option('--out <file>', 'where to write the outputs (.npz)')
    .option('--list', 'list every op with its inputs and outputs')
    .option('-a, --assignment <pack>', "also the pack's own Python reference ops (reference_ops in its assignment.yaml), which take precedence")
    .action((opName: string | undefined, o) => {
      const own = o.assignment ? packOps(o.assignment) : [];
      const ops = [...own, ...OPS.filter((op) => !own.some((p) => p.name === op.name))];
      if (o.list || !opName) {
        const width = Math.max(...ops.map((op) => op.name.length));
        for (const op of ops) {
          const ins = op.inputs.map((n) => (op.defaults && n in op.defaults ? `${n}=${op.defaults[n]}` : n)).join(', ');
          console.log(`${op.name.padEnd(width)}  (${ins}) -> (${op.outputs.join(', ')})\n${' '.repeat(width)}  ${op.summary}`);
        }
        setExit(0);
        return;
      }
      const op = own.find((p) => p.name === opName) ?? findOp(opName);
      if (!op) {
        console.error(`dlgrade: unknown reference op "${opName}" (see dlgrade reference --list)`);
        setExit(2);
        return;
      }
      if (!o.in || !o.out) {
        console.error('dlgrade: give --in INPUTS.npz and --out OUTPUTS.npz');
        setExit(2);
        return;
      }
      const inputs: Record<string, Tensor> = o.in.endsWith('.npy') ? { [op.inputs[0]]: readNpy(o.in) } : readNpz(o.in);
      const unknown = Object.keys(inputs).filter((k) => !op.inputs.includes(k));
      if (unknown.length) {
        console.error(`dlgrade: ${op.name} has no input ${unknown.map((u) => `"${u}"`).join(', ')} (inputs: ${op.inputs.join(', ')})`);
        setExit(2);
        return;
      }
      try {
        const outputs = op.run(inputs);
        writeNpz(o.out, outputs);
        console.log(`${op.name}: wrote ${Object.entries(outputs).map(([k, t]) => `${k} (${t.shape.join('x') || 'scalar'})`).join(', ')} to ${o.out}`);
        setExit(0);
      } catch (e) {
        console.error(`dlgrade: ${op.name}: ${(e as Error).message}`);
        setExit(2);
      }
    });
}

/** A pack's Python reference ops, as the loader resolved them. */
const packOps = (nameOrPath: string): RefOp[] => Object.values(loadPack(nameOrPath).pythonOps ?? {}).map(pythonOp);
