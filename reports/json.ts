/** result.json: the result model itself, validated by harness/results/result.schema.json. */
import { toJson } from '../harness/results/write.ts';
import type { SubmissionReporter } from './reporter.ts';

export const jsonReporter: SubmissionReporter = {
  name: 'json',
  file: 'result.json',
  describe: 'the full result (harness/results/result.schema.json)',
  render: (r) => toJson(r),
};
