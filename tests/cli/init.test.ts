/**
 * `dlgrade init`: the scaffolded student repository, and the command its CI workflows run, run
 * here as written. Only where dlgrade comes from is adapted: DLGRADE_SOURCE points at this
 * checkout instead of the course's pinned release, so npx links it without a registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseJunit } from '../helpers/junit.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pack = path.join(root, 'assignments/mlp-numpy');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-init-'));
const env = () => {
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete e.GITHUB_ACTIONS;
  delete e.GITHUB_STEP_SUMMARY;
  return e;
};
const cli = (...args: string[]) => execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: env(), extendEnv: false });

interface Workflows {
  github: { env: Record<string, string>; jobs: Record<string, { steps: { name?: string; run?: string; uses?: string }[] }> };
  gitlab: Record<string, { variables: Record<string, string>; script: string[]; artifacts: { reports: { junit: string } } }>;
}

function workflows(dir: string): Workflows {
  return {
    github: parse(fs.readFileSync(path.join(dir, '.github/workflows/dlgrade.yml'), 'utf8')),
    gitlab: parse(fs.readFileSync(path.join(dir, '.gitlab-ci.yml'), 'utf8')),
  };
}

/** The shell line a workflow runs the checks with. */
function commands(w: Workflows): string[] {
  const gh = Object.values(w.github.jobs).flatMap((j) => j.steps).filter((s) => s.run?.includes('dlgrade check')).map((s) => s.run!);
  const gl = Object.values(w.gitlab).flatMap((j) => j.script ?? []).filter((l) => l.includes('dlgrade check'));
  expect(gh).toHaveLength(1);
  expect(gl).toHaveLength(1);
  return [gh[0], gl[0]];
}

async function runAsCi(command: string, cwd: string) {
  const cache = tmp();
  return execa('bash', ['-c', command], {
    cwd, reject: false, extendEnv: false,
    env: { ...env(), DLGRADE_SOURCE: root, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
  });
}

describe('dlgrade init', () => {
  const repo = path.join(tmp(), 'student');

  it('writes the starter, a README and both CI workflows', async () => {
    const r = await cli('init', 'mlp-numpy', repo, '--source', 'github:example-course/dlgrade#v0.1.0');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(repo, 'lib/mlp/layer_utils.py'), 'utf8')).toBe(fs.readFileSync(path.join(pack, 'starter/lib/mlp/layer_utils.py'), 'utf8'));
    expect(fs.existsSync(path.join(repo, 'answers.yaml'))).toBe(true);
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    expect(readme).toContain('npx --yes --package="github:example-course/dlgrade#v0.1.0" -- dlgrade check . --assignment dlgrade-pack');
    expect(readme).toMatch(/\| 1 \| `fc_forward` \| 2 \| fc forward \(through flatten\) \|/);
    expect(readme).toContain('40 points in all.');
    const w = workflows(repo);
    expect(w.github.env.DLGRADE_SOURCE).toBe('github:example-course/dlgrade#v0.1.0');
    expect(w.gitlab.dlgrade.variables.DLGRADE_SOURCE).toBe('github:example-course/dlgrade#v0.1.0');
    expect(w.gitlab.dlgrade.artifacts.reports.junit).toBe('dlgrade-report/junit.xml');
    const steps = w.github.jobs.checks.steps;
    expect(steps.find((s) => s.run?.includes('pip install'))!.run).toBe('python -m pip install "numpy>=1.20,<2"');
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))).toBeTruthy();
    const [gh, gl] = commands(w);
    expect(gh).toBe(gl);
    expect(gh).toBe('npx --yes --package="$DLGRADE_SOURCE" -- dlgrade check . --assignment dlgrade-pack --ci');
    // The student edition, not the pack: published cases only, nothing of the solution.
    const spec = parse(fs.readFileSync(path.join(repo, 'dlgrade-pack/assignment.yaml'), 'utf8'));
    expect(spec.edition.kind).toBe('student');
    expect(fs.existsSync(path.join(repo, 'solution'))).toBe(false);
    expect(fs.existsSync(path.join(repo, 'dlgrade-pack/expected/fc_forward/published.expected.npz'))).toBe(true);
    expect(fs.readFileSync(path.join(repo, '.gitignore'), 'utf8')).toContain('dlgrade-report/');
  });

  it('keeps the workflow to what it needs: read-only, one run per push, a current Node', () => {
    const w = workflows(repo).github as unknown as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Workflows['github']['jobs'] };
    expect(w.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(w.on)).toEqual(['push', 'workflow_dispatch']);
    const node = w.jobs.checks.steps.find((s) => s.uses?.startsWith('actions/setup-node')) as { with: { 'node-version': number } };
    expect(node.with['node-version']).toBeGreaterThanOrEqual(22);
  });

  it('requires --source: there is no default name to install dlgrade from', async () => {
    const r = await cli('init', 'mlp-numpy', path.join(tmp(), 'other'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/required option '--source <spec>' not specified/);
  });

  it('refuses a folder that is not empty', async () => {
    const r = await cli('init', 'mlp-numpy', repo, '--source', 'github:example-course/dlgrade#v0.1.0');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/is not empty \(use --force/);
  });

  it("the workflow's command fails the starter and passes the solution", async () => {
    const [command] = commands(workflows(repo));
    const starter = await runAsCi(command, repo);
    expect(starter.exitCode, starter.stderr).toBe(1);
    // The published cases' share of the 40 points; hidden cases and written answers are graded later.
    expect(starter.stdout).toMatch(/Score 0\/23\.73/);
    expect(starter.stdout).toMatch(/run at grading time/);
    const [suite] = parseJunit(fs.readFileSync(path.join(repo, 'dlgrade-report/junit.xml'), 'utf8'));
    expect(suite.counts.tests).toBe(20);
    expect(suite.counts.failures + suite.counts.errors).toBe(20);

    // The student finishes the work: the solution's files replace the starter's.
    fs.cpSync(path.join(pack, 'solution'), repo, { recursive: true });
    const solved = await runAsCi(command, repo);
    expect(solved.exitCode, solved.stdout + solved.stderr).toBe(0);
    expect(solved.stdout).toMatch(/Score 23\.73\/23\.73/);
    expect(fs.readFileSync(path.join(repo, 'dlgrade-report/summary.md'), 'utf8')).toMatch(/^## ✅ mlp-numpy: 23\.73\/23\.73 points/);
  });
});
