import pkg from '../../package.json' with { type: 'json' };

/** Recorded in every result and part of the cache key: a new grader regrades. */
export const GRADER_VERSION: string = pkg.version;
