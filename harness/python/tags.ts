/**
 * Runner tags: what hardware this machine offers to checks that need it (a GPU-versus-CPU
 * check requires `gpu`). Detected in the pack's interpreter, since that is where the student's
 * code will look for a device; `--tags` overrides.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DETECT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tags.py');

export interface Device {
  name: string;
  kind: string;
  model?: string;
  memory_gib?: number;
  cores?: number;
}

export interface RunnerInfo {
  tags: string[];
  devices: Device[];
  /** How the tags were found: detected, or given with --tags. */
  source: 'detected' | 'given';
  torch: string | null;
}

export async function detectRunner(python: string): Promise<RunnerInfo> {
  const { execa } = await import('execa');
  const r = await execa(python, ['-I', DETECT], { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0) return { tags: ['cpu'], devices: [{ name: 'cpu', kind: 'cpu' }], source: 'detected', torch: null };
  const info = JSON.parse(r.stdout) as { tags: string[]; devices: Device[]; torch: string | null };
  return { tags: [...new Set(info.tags)], devices: info.devices, source: 'detected', torch: info.torch };
}

export function givenRunner(tags: string): RunnerInfo {
  const list = [...new Set(tags.split(',').map((t) => t.trim()).filter(Boolean))];
  return { tags: list, devices: [], source: 'given', torch: null };
}

/** The tags a check needs that this runner lacks (empty: it can run here). */
export const missingTags = (requires: string[] | undefined, runner: RunnerInfo): string[] =>
  (requires ?? []).filter((t) => !runner.tags.includes(t));
