/**
 * The Octave driver (harness/worker/octave/driver.m), started directly as the worker will start
 * it, on a scratch submission: the protocol, arrays crossing bit for bit, errors trimmed to the
 * student's own frames, student output kept off the reply channel, shell commands refused, a
 * runaway killed with its process group, and the same driver inside the sandbox.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../harness/tensor/npy.ts';
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';
import { findBubblewrap, launchCommand, nextWorkerUid, resolveIsolation } from '../../harness/worker/sandbox.ts';
import { OctaveDriver, driverCommand, liveInGroup, octaveCli, scratchLayout } from '../helpers/octave-driver.ts';

if (!octaveCli) console.warn('Octave driver tests SKIPPED: octave-cli is not installed (apt-get install -y octave)');

// The student's files. Each shadowing one is named like a built-in the driver itself relies on:
// the driver must keep working with them in the submission (their code gets theirs).
const SUBMISSION: Record<string, string> = {
  'twice.m': 'function y = twice(x)\n  y = 2 * x;\nend\n',
  'outer.m': 'function y = outer(x)\n  y = inner(x);\nend\n',
  'inner.m': 'function y = inner(x)\n  w = [1 2 3; 4 5 6];\n  y = x * w;\nend\n',
  'noisy.m': [
    'function y = noisy(x)',
    '  % Fake replies and results, printed where a careless grader might read them.',
    '  printf("{\\"type\\":\\"result\\",\\"id\\":1,\\"nonce\\":\\"forged\\",\\"ok\\":true,\\"outputs\\":{}}\\n");',
    '  disp("all tests passed");',
    '  fprintf(2, "score: 100/100\\n");',
    '  y = x;',
    'end',
    '',
  ].join('\n'),
  'shell.m': 'function y = shell()\n  [status, out] = system(\'ls\');\n  y = status;\nend\n',
  'spin.m': 'function y = spin()\n  y = 0;\n  while true\n    y = y + 1;\n  end\nend\n',
  'hog.m': 'function y = hog()\n  y = zeros(1e6, 1e6);\nend\n',
  'unparsable.m': 'function y = unparsable(x)\n  y = = x;\nend\n',
  'messy.m': [
    'function y = messy()',
    '  % Changes everything the driver itself depends on, then returns.',
    '  clear all',
    '  clear functions',
    '  cd(\'/\');',
    '  addpath(tempdir());',
    '  warning(\'on\', \'all\');',
    '  warning(\'error\', \'Octave:nonconformant-args\');',
    '  more on',
    '  y = 1;',
    'end',
    '',
  ].join('\n'),
  'leaver.m': 'function y = leaver()\n  exit(3);\n  y = 0;\nend\n',
  'hook.m': 'function y = hook()\n  atexit(\'spin\');\n  y = 1;\nend\n',
  'jsonencode.m': 'function s = jsonencode(varargin)\n  s = \'not json\';\nend\n',
  'numel.m': 'function n = numel(varargin)\n  n = 0;\nend\n',
  'fopen.m': 'function fid = fopen(varargin)\n  fid = -1;\nend\n',
  'cd.m': 'function cd(varargin)\nend\n',
  'path.m': 'function p = path(varargin)\n  p = \'\';\nend\n',
};

const PROBES: Record<string, string> = {
  'probe_echo.m': 'function out = probe_echo(in)\n  out = in;\nend\n',
  'probe_twice.m': 'function out = probe_twice(in)\n  out.y = twice(in.x);\nend\n',
  'probe_outer.m': 'function out = probe_outer(in)\n  out.y = outer(in.x);\nend\n',
  'probe_noisy.m': 'function out = probe_noisy(in)\n  out.y = noisy(in.x);\nend\n',
  'probe_shell.m': 'function out = probe_shell(in)\n  out.y = shell();\nend\n',
  'probe_spin.m': 'function out = probe_spin(in)\n  out.y = spin();\nend\n',
  'probe_hog.m': 'function out = probe_hog(in)\n  out.y = hog();\nend\n',
  'probe_unparsable.m': 'function out = probe_unparsable(in)\n  out.y = unparsable(1);\nend\n',
  'probe_text.m': 'function out = probe_text(in)\n  out.codes = double(in.device);\n  out.cwd_is_submission = strcmp(pwd(), in.where);\nend\n',
  'probe_messy.m': 'function out = probe_messy(in)\n  out.y = messy();\nend\n',
  'probe_leaver.m': 'function out = probe_leaver(in)\n  out.y = leaver();\nend\n',
  'probe_hook.m': 'function out = probe_hook(in)\n  out.y = hook();\nend\n',
  'probe_bad.m': [
    'function out = probe_bad(in)',
    '  switch in.what',
    '    case "cell", out.v = {1, 2};',
    '    case "struct", out.v = struct("a", 1);',
    '    case "char", out.v = "602";',
    '    case "empty", out.v = [];',
    '    case "complex", out.v = sqrt(-1);',
    '    case "huge", out.v = false(1, 2^25 + 1);',
    '    case "not-a-struct", out = 3;',
    '  end',
    'end',
    '',
  ].join('\n'),
};

const describeOctave = describe.skipIf(!octaveCli);

describeOctave('the Octave driver', () => {
  let layout: ReturnType<typeof scratchLayout>;
  let driver: OctaveDriver;
  let hello: Awaited<ReturnType<OctaveDriver['next']>>;
  let runs = 0;

  beforeAll(async () => {
    layout = scratchLayout('dlgrade-octave-', SUBMISSION, PROBES);
    driver = OctaveDriver.start(layout);
    hello = await driver.next(60_000);
  }, 90_000);
  afterAll(async () => {
    await driver?.close();
    fs.rmSync(layout.root, { recursive: true, force: true });
  });

  const probe = (name: string) => path.join(layout.grader, 'probes', `probe_${name}.m`);
  const input = (name: string, t: Tensor): string => {
    const dir = path.join(layout.inputs, `r${runs}`);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.npy`);
    writeNpy(file, t);
    return file;
  };
  const run = (name: string, inputs: Record<string, string>, text?: Record<string, string>, ms?: number) =>
    driver.run(probe(name), inputs, path.join(layout.outputs, `r${runs++}`), text, ms);

  it('says hello first, with its pid and the Octave version', () => {
    expect(hello).toEqual({ type: 'hello', pid: expect.any(Number), environment: { octave: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
    expect(hello!.pid).toBe(driver.proc.pid);
  });

  it('returns every array bit for bit: 0-d, 2-d and 3-d keep their shape, (n,) comes back (n, 1)', async () => {
    // Values whose bits a careless conversion would change: -0, NaN, infinities, a subnormal.
    const doubles = [Math.PI, -0, NaN, Infinity, -Infinity, 5e-324, 1 / 3, -1e308, 0.1, 2 ** 53, -7, 1e-300];
    const cases: Record<string, Tensor> = {
      scalar: tensor([], [Math.E]),
      vector: tensor([3], doubles.slice(0, 3)),
      matrix: tensor([2, 3], doubles.slice(0, 6)),
      cube: tensor([2, 3, 4], Array.from({ length: 24 }, (_, i) => doubles[i % doubles.length] * (i + 1))),
      counts: tensor([2, 2], [2 ** 53 - 1, -(2 ** 53 - 1), 0, -1], 'int64'),
      pixels: tensor([3, 2], [0, 255, 1, 128, 7, 254], 'uint8'),
      mask: tensor([2, 2], [1, 0, 0, 1], 'bool'),
    };
    const inputs = Object.fromEntries(Object.entries(cases).map(([k, t]) => [k, input(k, t)]));
    const { reply } = await run('echo', inputs);
    expect(reply?.ok, JSON.stringify(reply?.error)).toBe(true);
    expect(Object.keys(reply!.outputs!).sort()).toEqual(Object.keys(cases).sort());
    for (const [name, t] of Object.entries(cases)) {
      const back = readNpy(reply!.outputs![name]);
      expect(back.dtype, name).toBe(t.dtype);
      expect(back.shape, name).toEqual(name === 'vector' ? [3, 1] : t.shape);
      if (name !== 'vector') {
        // The very bytes the grader wrote, header included: same dtype, shape and C order.
        expect(Buffer.compare(fs.readFileSync(reply!.outputs![name]), fs.readFileSync(inputs[name])), name).toBe(0);
      } else {
        expect(Buffer.from(back.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
      }
    }
  });

  it('reads C order as numpy does: element [i, j, k] is x(i+1, j+1, k+1)', async () => {
    const cube = tensor([2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
    fs.writeFileSync(probe('index'), 'function out = probe_index(in)\n  out.v = [in.x(2, 3, 4); in.x(1, 2, 3); in.x(2, 1, 1)];\nend\n');
    const { reply } = await run('index', { x: input('x', cube) });
    expect(reply?.ok, JSON.stringify(reply?.error)).toBe(true);
    // C-order flat index of [1, 2, 3] is 1*12 + 2*4 + 3 = 23, of [0, 1, 2] 6, of [1, 0, 0] 12.
    expect(Array.from(readNpy(reply!.outputs!.v).data)).toEqual([23, 6, 12]);
  });

  it('calls the student\'s function with the probe\'s inputs, in the submission folder, text inputs as strings', async () => {
    const { reply } = await run('twice', { x: input('x', tensor([2], [1.5, -4])) });
    expect(reply?.ok).toBe(true);
    expect(Array.from(readNpy(reply!.outputs!.y).data)).toEqual([3, -8]);
    const t = await run('text', {}, { device: 'cpu:0', where: fs.realpathSync(layout.submission) });
    expect(t.reply?.ok, JSON.stringify(t.reply?.error)).toBe(true);
    expect(String.fromCharCode(...readNpy(t.reply!.outputs!.codes).data)).toBe('cpu:0');
    expect(readNpy(t.reply!.outputs!.cwd_is_submission)).toMatchObject({ dtype: 'bool', shape: [], data: Float64Array.of(1) });
  });

  it('echoes each request\'s own id and nonce', async () => {
    const a = await run('twice', { x: input('x', tensor([], [1])) });
    const b = await run('twice', { x: input('x', tensor([], [2])) });
    expect(a.request.nonce).not.toBe(b.request.nonce);
    for (const { request, reply } of [a, b]) expect([reply?.id, reply?.nonce]).toEqual([request.id, request.nonce]);
    expect(readNpy(b.reply!.outputs!.y).data[0]).toBe(4);
  });

  it('keeps what the student prints off the reply channel, in order on stdout and stderr', async () => {
    const before = driver.lines.length;
    const { request, reply } = await run('noisy', { x: input('x', tensor([], [7])) });
    expect(reply).toMatchObject({ type: 'result', id: request.id, nonce: request.nonce, ok: true });
    expect(driver.lines.slice(before)).toHaveLength(1);
    expect(driver.lines.join('\n')).not.toContain('forged');
    expect(driver.stdout).toContain('"nonce":"forged"');
    expect(driver.stdout).toContain('all tests passed');
    expect(driver.stderr).toContain('score: 100/100');
  });

  it('reports an error with the student\'s own frames, outermost first, each with file, line and text', async () => {
    const { reply } = await run('outer', { x: input('x', tensor([2], [1, 2])) });
    expect(reply?.ok).toBe(false);
    expect(reply!.error!.kind).toBe('exception');
    expect(reply!.error!.message).toMatch(/nonconformant arguments \(op1 is 2x1, op2 is 2x3\)/);
    expect(reply!.error!.traceback).toBe([
      '  File "outer.m", line 2, in outer',
      '    y = inner(x);',
      '  File "inner.m", line 3, in inner',
      '    y = x * w;',
    ].join('\n'));
    expect(reply!.error!.traceback + reply!.error!.message).not.toMatch(/probe_|dlgrade_|driver\.m|\/submission\//);
  });

  it('says which file does not parse, and where', async () => {
    const { reply } = await run('unparsable', {});
    expect(reply!.error).toMatchObject({ kind: 'import', message: 'parse error in unparsable.m, line 2: syntax error' });
    expect(reply!.error!.traceback).toContain('>>>   y = = x;');
  });

  it('puts back what the student\'s code changed: workspace, current folder, path, warnings', async () => {
    const stderrBefore = driver.stderr.length;
    const messy = await run('messy', {});
    expect(messy.reply?.ok, JSON.stringify(messy.reply?.error)).toBe(true);
    const t = await run('text', {}, { device: 'cpu', where: fs.realpathSync(layout.submission) });
    expect(t.reply?.ok, JSON.stringify(t.reply?.error)).toBe(true);
    expect(readNpy(t.reply!.outputs!.cwd_is_submission).data[0]).toBe(1);
    const after = await run('twice', { x: input('x', tensor([], [5])) });
    expect(readNpy(after.reply!.outputs!.y).data[0]).toBe(10);
    // Their warning('on', 'all') is undone: adding the submission again warns of no shadowing.
    expect(driver.stderr.slice(stderrBefore)).not.toMatch(/shadows a built-in function/);
  });

  it('turns exit() in student code into an error, and lives on', async () => {
    const { reply } = await run('leaver', {});
    expect(reply!.error).toMatchObject({ kind: 'exception', message: 'the code called exit(): a function must return its result, not end Octave' });
    expect((await run('twice', { x: input('x', tensor([], [1])) })).reply?.ok).toBe(true);
  });

  it('refuses system() from student code, and goes on', async () => {
    const { reply } = await run('shell', {});
    expect(reply!.error!.kind).toBe('exception');
    expect(reply!.error!.message).toMatch(/^system\(\) is not allowed in this assignment/);
    expect(reply!.error!.traceback).toContain('File "shell.m", line 2, in shell');
    expect((await run('twice', { x: input('x', tensor([], [1])) })).reply?.ok).toBe(true);
  });

  it('reports a huge allocation as running out of memory', async () => {
    const { reply } = await run('hog', {});
    expect(reply!.error).toMatchObject({ kind: 'memory', message: expect.stringMatching(/^ran out of memory: out of memory/) });
    expect(reply!.error!.traceback).toContain('File "hog.m", line 2, in hog');
  });

  it.each([
    ['cell', 'v: returned a cell array, not a numeric array'],
    ['struct', 'v: returned a struct, not a numeric array'],
    ['char', 'v: returned text (a char array), not a numeric array'],
    ['empty', 'v: the code returned [] (is this part still a TODO?)'],
    ['complex', 'v: returned complex numbers (a square root or log of a negative number?)'],
    ['huge', 'v: an array of size 1x33554433 (33554433 elements), far larger than any output a check expects'],
    ['not-a-struct', 'the probe returned a value of class double instead of a struct of outputs'],
  ])('refuses a %s output as bad-output', async (what, message) => {
    const { reply } = await run('bad', {}, { what });
    expect(reply!.error).toEqual({ kind: 'bad-output', message, traceback: '' });
  });

  it('creates a missing output folder, and never overwrites a file already there', async () => {
    const outdir = path.join(layout.outputs, 'planted');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'y.npy'), 'planted');
    const x = input('x', tensor([], [1]));
    const planted = await driver.run(probe('twice'), { x }, outdir);
    expect(planted.reply!.error).toMatchObject({ kind: 'bad-output', message: 'y: something else already created the output file' });
    expect(fs.readFileSync(path.join(outdir, 'y.npy'), 'utf8')).toBe('planted');
    const fresh = await driver.run(probe('twice'), { x }, path.join(layout.outputs, 'made', 'here'));
    expect(fresh.reply!.outputs!.y).toBe(path.join(layout.outputs, 'made', 'here', 'y.npy'));
  });

  it('refuses to run while the submission has a file named builtin, which the driver needs', async () => {
    const file = path.join(layout.submission, 'builtin.m');
    fs.writeFileSync(file, 'function varargout = builtin(varargin)\nend\n');
    try {
      const { reply } = await run('twice', { x: input('x', tensor([], [1])) });
      expect(reply!.error!.message).toMatch(/^your submission has builtin\.m: that is the name of Octave's own builtin function/);
    } finally {
      fs.rmSync(file);
    }
  });

  it('answers a warm-up at once and a selfcheck with an error, so the grader never waits on either', async () => {
    const outdir = path.join(layout.outputs, `r${runs++}`);
    driver.send({ type: 'run', id: 901, nonce: 'w', probe: probe('spin'), inputs: {}, outdir, entry: 'warm_up' });
    expect(await driver.next(5000)).toMatchObject({ type: 'result', id: 901, nonce: 'w', ok: true, outputs: {} });
    driver.send({ type: 'selfcheck', id: 902, nonce: 's', probe: probe('twice'), inputs: {}, directions: {}, output: 'y', dout: 'y', h: 1e-6 });
    const r = await driver.next(5000);
    expect(r).toMatchObject({ id: 902, nonce: 's', ok: false, error: { kind: 'exception', message: expect.stringMatching(/does not answer selfcheck requests/) } });
  });

  it('puts each --path folder of the submission on the path, first to last', async () => {
    fs.mkdirSync(path.join(layout.submission, 'lib', 'more'), { recursive: true });
    fs.writeFileSync(path.join(layout.submission, 'lib', 'helper_in_lib.m'), 'function y = helper_in_lib(x)\n  y = x + 1;\nend\n');
    fs.writeFileSync(path.join(layout.submission, 'lib', 'more', 'helper_in_lib.m'), 'function y = helper_in_lib(x)\n  y = x + 100;\nend\n');
    fs.writeFileSync(probe('lib'), 'function out = probe_lib(in)\n  out.y = helper_in_lib(in.x);\nend\n');
    const d = new OctaveDriver(driverCommand(path.join(layout.grader, 'driver.m'), layout.submission, ['.', 'lib', 'lib/more']), { cwd: layout.submission });
    try {
      expect((await d.next(60_000))?.type).toBe('hello');
      const { reply } = await d.run(probe('lib'), { x: input('x', tensor([], [1])) }, path.join(layout.outputs, `r${runs++}`));
      expect(reply?.ok, JSON.stringify(reply?.error)).toBe(true);
      expect(readNpy(reply!.outputs!.y).data[0]).toBe(2);
    } finally {
      await d.close();
    }
  }, 90_000);

  it('ignores lines that are not requests, and exits at once when asked', async () => {
    const d = OctaveDriver.start(layout);
    expect((await d.next(60_000))?.type).toBe('hello');
    d.send('not an object');
    (d.proc.stdio[3] as Writable).write('{ not json\n');
    const { reply } = await d.run(probe('twice'), { x: input('x', tensor([], [3])) }, path.join(layout.outputs, `r${runs++}`));
    expect(reply?.ok).toBe(true);
    // A hook the student left behind that would never end: exit does not run it.
    expect((await d.run(probe('hook'), {}, path.join(layout.outputs, `r${runs++}`))).reply?.ok).toBe(true);
    const started = Date.now();
    d.send({ type: 'exit' });
    await d.exited;
    expect(Date.now() - started).toBeLessThan(2000);
  }, 90_000);

  it('is ended with everything it started when its process group is killed mid-loop', async () => {
    const d = OctaveDriver.start(layout);
    expect((await d.next(60_000))?.type).toBe('hello');
    expect(liveInGroup(d.proc.pid!).map((p) => p.command).sort()).toEqual(['cat', 'octave-cli', 'sed']);
    const pending = d.run(probe('spin'), {}, path.join(layout.outputs, `r${runs++}`), undefined, 1500);
    expect((await pending).reply).toBeUndefined(); // still looping
    const started = Date.now();
    d.killGroup();
    expect(await d.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(2000);
    // The relays went with it: nothing is left alive in the group. (Killed with the group, they
    // may still be exiting as octave-cli's exit arrives: a busy machine gets a moment.)
    let left = liveInGroup(d.proc.pid!);
    for (let i = 0; i < 20 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = liveInGroup(d.proc.pid!);
    }
    expect(left).toEqual([]);
  }, 90_000);
});

const bwrap = octaveCli ? await findBubblewrap() : undefined;

describe.skipIf(!octaveCli || !bwrap)('the Octave driver in the sandbox', () => {
  it('starts, runs a probe and writes its outputs with the layout mapped inside', async () => {
    const layout = scratchLayout('dlgrade-octave-sbx-', { 'twice.m': SUBMISSION['twice.m'], 'peek.m': 'function y = peek()\n  y = double(exist(\'/etc/passwd\', \'file\') > 0) + 10 * double(exist(\'' + '/work' + '\', \'dir\') > 0);\nend\n' },
      { 'probe_twice.m': PROBES['probe_twice.m'], 'probe_peek.m': 'function out = probe_peek(in)\n  out.y = peek();\nend\n' });
    const iso = await resolveIsolation({ sandbox: true, python: '/usr/bin/python3' });
    const uid = nextWorkerUid();
    if (uid !== undefined) for (const d of [layout.submission, layout.outputs, layout.tmp]) fs.chownSync(d, uid, uid);
    const toWorker = (p: string) => plan.toWorker(p);
    const plan = launchCommand(iso, layout, [], driverCommand('/dlgrade/driver.m', '/w/submission'), uid);
    const d = OctaveDriver.fromPlan(plan);
    try {
      const hello = await d.next(60_000);
      expect(hello?.type, d.stderr).toBe('hello');
      const x = path.join(layout.inputs, 'x.npy');
      writeNpy(x, tensor([2, 2], [1, 2, 3, 4]));
      fs.chmodSync(x, 0o644);
      const outdir = path.join(layout.outputs, 'r0');
      fs.mkdirSync(outdir);
      if (uid !== undefined) fs.chownSync(outdir, uid, uid);
      const { reply } = await d.run(toWorker(probeIn(layout, 'twice')), { x: toWorker(x) }, toWorker(outdir));
      expect(reply?.ok, JSON.stringify(reply?.error) + d.stderr).toBe(true);
      expect(reply!.outputs!.y).toBe('/w/out/r0/y.npy');
      expect(Array.from(readNpy(path.join(outdir, 'y.npy')).data)).toEqual([2, 4, 6, 8]);
      // Inside, /etc is shown read-only and the grader's checkout is not there at all.
      const peek = await d.run(toWorker(probeIn(layout, 'peek')), {}, '/w/out/r1');
      expect(peek.reply?.ok, JSON.stringify(peek.reply?.error)).toBe(true);
      expect(readNpy(path.join(layout.outputs, 'r1', 'y.npy')).data[0]).toBe(1);
    } finally {
      await d.close();
      fs.rmSync(layout.root, { recursive: true, force: true });
    }
  }, 120_000);
});

function probeIn(layout: { grader: string }, name: string) {
  return path.join(layout.grader, 'probes', `probe_${name}.m`);
}
