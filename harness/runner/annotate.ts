/**
 * What a batch adds to each result after grading, from outside the submission's code: the
 * roster's student, and the due date's verdict with its penalty. Both are worked out afresh on
 * every run, for graded, kept and cached results alike, so a result always says what this run's
 * roster and due date make of it; neither is part of a result's cache key (the checks' outcome
 * does not depend on them), and the cache keeps results without them.
 */
import { withLate } from '../checks/verdict.ts';
import type { SubmissionResult } from '../results/types.ts';
import { type DuePolicy, type SubmissionTime, lateVerdict, submissionTime } from './late.ts';
import { type Roster, type RosterMatch, matchRoster, rosterWarnings } from './roster.ts';

export interface Annotations {
  due?: DuePolicy;
  roster?: Roster;
}

export interface Annotator {
  apply(r: SubmissionResult): SubmissionResult;
  /** What the roster could not match, one line each. */
  warnings: string[];
  match?: RosterMatch;
}

/** Reads every submission's time and identity once, matches the roster, and returns what applies them. */
export function annotator(entries: { name: string; source: string; zip: boolean }[], a: Annotations): Annotator {
  const times = new Map<string, SubmissionTime>();
  // Only what is asked for: a batch with neither reads no times (no git run per repository).
  if (a.due || a.roster) for (const e of entries) {
    try {
      times.set(e.name, submissionTime(e.source, e.zip));
    } catch {
      // Unreadable: graded (and failing) the usual way; no time, so no verdict.
    }
  }
  const match = a.roster ? matchRoster(a.roster, entries.map((e) => {
    const t = times.get(e.name);
    return {
      folder: e.name,
      emails: [...(t?.users.map((u) => u.email ?? '') ?? []), t?.gitAuthor?.email ?? ''].filter(Boolean),
      names: [...(t?.users.map((u) => u.name ?? '') ?? []), t?.gitAuthor?.name ?? ''].filter(Boolean),
    };
  })) : undefined;
  return {
    match,
    warnings: match && a.roster ? rosterWarnings(match, a.roster.file) : [],
    apply: (r) => {
      const t = times.get(r.submission);
      const { student: _s, ...rest } = withLate(r, t ? lateVerdict(a.due, t) : undefined);
      const student = match?.students.get(r.submission);
      return student ? { ...rest, student } : rest;
    },
  };
}
