/**
 * The scratch workspace of one submission: a copy of the submission (the worker may write to it
 * freely) and a folder for the check's inputs and outputs. The original is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import tmp from 'tmp';

tmp.setGracefulCleanup();

export interface Workspace {
  root: string;
  submission: string;
  io: string;
  /** Entries of the submission that were not copied, with why. */
  skipped: string[];
  dispose(): void;
}

const IGNORED = new Set(['.git', 'node_modules', '__pycache__', '.ipynb_checkpoints', '.venv', 'venv']);

export function createWorkspace(submissionDir: string, parent?: string): Workspace {
  if (parent) fs.mkdirSync(parent, { recursive: true });
  const dir = tmp.dirSync({ prefix: 'dlgrade-', unsafeCleanup: true, tmpdir: parent });
  const root = dir.name;
  const submission = path.join(root, 'submission');
  const io = path.join(root, 'io');
  fs.mkdirSync(io);
  const skipped: string[] = [];
  copyTree(submissionDir, submission, '', skipped);
  return { root, submission, io, skipped, dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Copies regular files and folders only: links could point anywhere on the grader's machine. */
function copyTree(src: string, dst: string, rel: string, skipped: string[]) {
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (IGNORED.has(entry.name)) continue;
    if (entry.isSymbolicLink()) skipped.push(`${relPath} (a symbolic link)`);
    else if (entry.isDirectory()) copyTree(from, to, relPath, skipped);
    else if (entry.isFile()) fs.copyFileSync(from, to);
    else skipped.push(`${relPath} (not a regular file)`);
  }
}
