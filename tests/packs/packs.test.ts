/**
 * Every shipped pack passes its proof (runner/pack-proof.ts, what `dlgrade pack test` runs): the
 * solution scores full marks, the starter zero with a message on every check, each mutant fails
 * every check it declares with a scored failure under every seed, each valid variant gets full
 * marks on the checks it declares, and every calibrated bar keeps 100x from correct code and
 * from caught mutants, unless the pack says why for that output.
 */
import { describe, expect, it } from 'vitest';
import { resolveInterpreter } from '../../harness/python/environment.ts';
import { type PackProof, PROOF_SEEDS, provePack } from '../../harness/runner/pack-proof.ts';
import { listPacks, loadPack } from '../../harness/spec/load.ts';
import { testIsolation } from '../helpers/grade.ts';

describe.each(listPacks())('pack %s', (name) => {
  let proof: PackProof;

  it('passes its proof: solution, starter, mutants, variants, margins', async () => {
    const pack = loadPack(name);
    const python = await resolveInterpreter(pack.spec);
    proof = await provePack(pack, { seeds: PROOF_SEEDS, jobs: 2, grading: { python, isolation: await testIsolation(python.executable, undefined, pack.spec.worker) } });
    expect(proof.problems).toEqual([]);
  }, 900_000);

  it('gives the solution full marks, checks needing a GPU pending with the reason', () => {
    const needGpu = loadPack(name).spec.checks.filter((c) => c.requires?.includes('gpu')).map((c) => c.id);
    for (const c of proof.solution.checks) {
      if (needGpu.includes(c.id)) expect(c.message).toMatch(/needs a runner tagged gpu; this runner has cpu \(points pending\)/);
      else expect(c.status, `${c.id}: ${c.message}`).toBe('passed');
    }
    expect(proof.solution.score + proof.solution.pending_score).toBe(proof.solution.max_score);
  });

  it('grades every mutant and every variant it declares, under each seed that matters', () => {
    const mutants = proof.graded.filter((g) => g.role === 'mutant');
    // A mutant is caught by at least one of its checks losing points, never by an advisory note.
    for (const g of mutants) for (const id of g.checks ?? []) {
      const c = g.result.checks.find((k) => k.id === id);
      if (c && c.status !== 'skipped') expect(c.score, `${g.name} on ${id} (seed ${g.seed})`).toBeLessThan(c.max_score);
    }
    // Only hidden cases differ by seed: a pack without any is graded under one.
    const seeds = new Set(proof.graded.map((g) => g.seed));
    const hidden = loadPack(name).spec.checks.some((c) => c.cases.some((k) => k.hidden));
    expect(seeds.size).toBe(hidden ? PROOF_SEEDS.length : 1);
  });
});
