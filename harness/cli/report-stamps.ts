/**
 * A submission's reports are a function of its result.json, the report options and the
 * reporters' code. When a run keeps a result that OUT already holds, its reports are written
 * again only if one of those changed since they were written (the file is known by its size,
 * time and inode: any rewrite changes them); the same goes for index.html and the gradebook. The
 * stamps are kept in OUT/.dlgrade-reports.json and saved last, so a run that was killed rewrites
 * what it touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashTree, hashValue } from '../cache/hash.ts';
import { writeAtomic } from '../results/write.ts';
import { REPO_ROOT } from '../spec/load.ts';

const FILE = '.dlgrade-reports.json';

export class ReportStamps {
  private readonly before: Record<string, string>;
  private readonly after: Record<string, string> = {};
  private readonly base: string;

  constructor(private readonly outDir: string, options: unknown) {
    let before: unknown;
    try {
      before = JSON.parse(fs.readFileSync(path.join(outDir, FILE), 'utf8'));
    } catch {
      before = undefined;
    }
    this.before = before && typeof before === 'object' && !Array.isArray(before) ? (before as Record<string, string>) : {};
    this.base = hashValue({ reporters: hashTree(path.join(REPO_ROOT, 'reports'), { ignore: new Set(['node_modules']) }), options });
  }

  /** The stamp of `name`'s result.json as it is on disk now. */
  ofResult(name: string): string {
    const st = fs.statSync(path.join(this.outDir, name, 'result.json'), { throwIfNoEntry: false });
    return hashValue([this.base, name, st ? [st.size, st.mtimeMs, st.ino] : null]);
  }

  /** The stamp of the class reports, made from these submissions' stamps. */
  ofBatch(stamps: [string, string][]): string {
    return hashValue([this.base, [...stamps].sort()]);
  }

  /** Whether the reports named `name` were written from exactly this; records it either way. */
  current(name: string, stamp: string): boolean {
    this.after[name] = stamp;
    return this.before[name] === stamp;
  }

  save() {
    writeAtomic(path.join(this.outDir, FILE), JSON.stringify(this.after), { durable: false });
  }
}
