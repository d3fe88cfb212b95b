/**
 * The sandbox as the worker sees it, checked from inside with the interpreter the packs use:
 * what is visible, what is writable, who it runs as, and what it cannot undo.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { resolvePython } from '../../harness/python/environment.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { type WorkerLayout, findBubblewrap, gpuDeviceNodes, interpreterRoots, launchCommand, nextWorkerUid, resolveIsolation, runningAsRoot } from '../../harness/worker/sandbox.ts';

const bwrap = await findBubblewrap();
if (!bwrap) console.warn('sandbox tests SKIPPED: bubblewrap is not installed (apt-get install -y bubblewrap)');

async function inside(code: string, hide: string[] = []): Promise<{ stdout: string; stderr: string; exitCode?: number }> {
  const python = (await resolvePython(loadPack('mlp-numpy').spec.python)).executable;
  const iso = await resolveIsolation({ sandbox: true, python, hide });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-sbx-'));
  fs.chmodSync(dir, 0o711);
  const layout: WorkerLayout = { submission: `${dir}/s`, inputs: `${dir}/i`, outputs: `${dir}/o`, grader: `${dir}/g`, tmp: `${dir}/t` };
  for (const d of Object.values(layout)) fs.mkdirSync(d, { mode: 0o755 });
  const uid = nextWorkerUid();
  if (uid !== undefined) fs.chownSync(layout.submission, uid, uid);
  const plan = launchCommand(iso, layout, await interpreterRoots(python), [python, '-c', code], uid);
  try {
    return await execa(plan.file, plan.args, { env: plan.env, extendEnv: false, reject: false, timeout: 30_000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!bwrap)('the sandbox, from inside', () => {
  it('shows the system read-only and the workspace, and nothing of the grader', async () => {
    const r = await inside(`
import os, json
out = {"root": sorted(os.listdir("/")), "w": sorted(os.listdir("/w")), "cwd": os.getcwd()}
out["repo"] = os.path.exists(${JSON.stringify(REPO_ROOT)})
out["home"] = os.path.exists("/root/.bashrc") or os.path.exists("/home")
for p in ("/usr/x", "/etc/x", "/w/in/x", "/dlgrade/x"):
    try:
        open(p, "w")
        out[p] = "writable"
    except OSError as e:
        out[p] = e.strerror
open("/w/submission/mine.txt", "w").write("ok")
open("/tmp/mine.txt", "w").write("ok")
print(json.dumps(out))`);
    expect(r.stderr).toBe('');
    const seen = JSON.parse(r.stdout);
    expect(seen.w).toEqual(['in', 'out', 'submission']);
    expect(seen.cwd).toBe('/w/submission');
    expect(seen.repo).toBe(false);
    expect(seen.home).toBe(false);
    for (const p of ['/usr/x', '/etc/x', '/w/in/x', '/dlgrade/x']) expect(seen[p], p).not.toBe('writable');
    expect(seen.root).not.toContain('work');
    expect(seen.root).not.toContain('home');
  });

  it('covers the grader files that sit under a folder it shows with an empty, read-only folder', async () => {
    const r = await inside(`
import os
print(os.listdir("/usr/share/doc"), len(os.listdir("/usr/share")) > 1)
try:
    open("/usr/share/doc/x", "w")
except OSError as e:
    print(e.strerror)`, ['/usr/share/doc']);
    expect(r.stdout.trim().split('\n')).toEqual(['[] True', 'Read-only file system']);
  });

  it('runs without network, in its own PID namespace, unprivileged, unable to lift its limits', async () => {
    const r = await inside(`
import os, resource, socket
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1)
    print("network")
except OSError:
    print("no network")
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("uid", os.getuid())
print("caps", open("/proc/self/status").read().split("CapEff:")[1].split()[0])
resource.setrlimit(resource.RLIMIT_NPROC, (8, 8))
try:
    resource.setrlimit(resource.RLIMIT_NPROC, (9, 9))
    print("raised")
except ValueError:
    print("cannot raise")
print("env", sorted(os.environ))`);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('no network');
    // bwrap's init, then the interpreter: nothing of the grader's machine.
    expect(lines[1]).toBe('pids [1, 2]');
    if (runningAsRoot()) expect(Number(lines[2].split(' ')[1])).toBeGreaterThanOrEqual(1_000_000_000);
    else expect(lines[2]).toBe(`uid ${process.getuid!()}`);
    expect(lines[3]).toBe('caps 0000000000000000');
    expect(lines[4]).toBe('cannot raise');
    // The grader's environment (tokens, paths) does not come in.
    expect(lines[5]).toBe("env ['HOME', 'LANG', 'MKL_NUM_THREADS', 'MPLBACKEND', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED', 'PYTHONNOUSERSITE', 'PYTHONUNBUFFERED', 'TMPDIR']");
  });
});

describe('GPU device nodes shown to the sandbox', () => {
  it("lists NVIDIA's nodes, their capability nodes and /dev/dri, and nothing else", () => {
    const dev = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-dev-'));
    for (const d of ['nvidia-caps', 'dri', 'pts']) fs.mkdirSync(path.join(dev, d));
    for (const f of ['null', 'nvidia0', 'nvidiactl', 'nvidia-uvm', 'nvidia-caps/nvidia-cap1', 'dri/card0', 'dri/renderD128', 'pts/0']) fs.writeFileSync(path.join(dev, f), '');
    expect(gpuDeviceNodes(dev).map((p) => path.relative(dev, p))).toEqual([
      'nvidia-caps/nvidia-cap1', 'nvidia-uvm', 'nvidia0', 'nvidiactl', 'dri/card0', 'dri/renderD128',
    ]);
    expect(gpuDeviceNodes(path.join(dev, 'missing'))).toEqual([]);
  });
});
