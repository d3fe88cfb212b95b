import { describe, expect, it } from 'vitest';
import { EnvironmentError, compareVersions, resolvePython, satisfies } from '../../harness/python/environment.ts';

describe('version ranges', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('1.24.2', '1.9')).toBe(1);
    expect(compareVersions('2.0', '2')).toBe(0);
    expect(compareVersions('1.26.4', '2')).toBe(-1);
  });
  it('reads the ranges packs use', () => {
    expect(satisfies('1.24.2', '>=1.20,<2')).toBe(true);
    expect(satisfies('2.1.0', '>=1.20,<2')).toBe(false);
    expect(satisfies('1.19.5', '>=1.20,<2')).toBe(false);
    expect(satisfies('1.13.1', '~=1.13')).toBe(true);
    expect(satisfies('2.0', '~=1.13')).toBe(false);
    expect(satisfies('3.0', '*')).toBe(true);
    expect(satisfies('1.0', '!=1.0')).toBe(false);
  });
});

describe('choosing an interpreter', () => {
  it('says, per candidate, what is missing', async () => {
    const p = resolvePython({ interpreters: ['/no/such/python', 'python3'], requires: { no_such_module_xyz: '*' } });
    await expect(p).rejects.toBeInstanceOf(EnvironmentError);
    await expect(p).rejects.toThrow(/\/no\/such\/python: not found/);
    await expect(p).rejects.toThrow(/no_such_module_xyz is not installed \(ModuleNotFoundError/);
  });
  it('takes the first interpreter that meets the requirements and reports its versions', async () => {
    const env = await resolvePython({ interpreters: ['/no/such/python', 'python3'], requires: { numpy: '>=1' } });
    expect(env.modules.numpy).toMatch(/^\d+\./);
    expect(env.python).toMatch(/^3\./);
  });
});
