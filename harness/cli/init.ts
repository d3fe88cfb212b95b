/**
 * `dlgrade init PACK DIR --source SPEC`: a student's repository, ready to push: the pack's
 * student edition (assign.ts: the starter, and in dlgrade-pack/ the public spec, the probes and
 * the published cases' expected values; nothing of the solution), a README saying how to run the
 * checks and what each one tests, and CI that runs `dlgrade check --ci` on GitHub Actions and
 * GitLab CI.
 *
 * How the student's CI gets dlgrade: `npx --package=SOURCE -- dlgrade`, where SOURCE is an npm
 * package spec the course chooses (a registry name@version, a git URL with a tag, a tarball URL)
 * kept in one variable at the top of each workflow. There is no default: a name this project
 * does not own on the registry could be published by anyone. A pinned SOURCE means the checks a
 * student runs are exactly those that grade them, on the published cases.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Command } from 'commander';
import { loadPack } from '../spec/load.ts';
import type { Pack } from '../spec/types.ts';
import { STUDENT_PACK, writeStudentEdition } from './assign.ts';
import type { Cli } from './options.ts';
import { DlgradeError } from '../common/errors.ts';

const TEMPLATES = path.join(import.meta.dirname, 'templates');

/** Module names that are not the name pip installs them by. */
const PIP_NAMES: Record<string, string> = { sklearn: 'scikit-learn', cv2: 'opencv-python', PIL: 'pillow', yaml: 'pyyaml' };

export const REPORT_DIR = 'dlgrade-report';

export interface InitOptions {
  /** The npm package spec student CI installs dlgrade from. */
  source: string;
  force?: boolean;
}

export class InitError extends DlgradeError {}

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

export function pipRequirements(pack: Pack): string[] {
  return Object.entries(pack.spec.python.requires ?? {}).map(([m, v]) => `${PIP_NAMES[m] ?? m}${v === '*' ? '' : v}`);
}

/** The command both workflows run, word for word. */
export const checkCommand = (_pack: Pack) => `npx --yes --package="$DLGRADE_SOURCE" -- dlgrade check . --assignment ${STUDENT_PACK} --ci`;

export function githubWorkflow(pack: Pack, source: string): string {
  const reqs = pipRequirements(pack);
  return `# Runs the ${pack.spec.name} checks once on every push (written by dlgrade init).
name: dlgrade
on:
  push:
  workflow_dispatch:
# The checks read the repository and write nothing to it.
permissions:
  contents: read
# A newer push to the same branch makes an older run moot.
concurrency:
  group: dlgrade-\${{ github.ref }}
  cancel-in-progress: true
env:
  # Where this course's dlgrade comes from: an npm package spec (name@version, a git URL with a
  # tag, a tarball URL). Pinned, so the checks here are the ones that grade the work.
  DLGRADE_SOURCE: ${q(source)}
jobs:
  checks:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
${reqs.length ? `      - name: Install the Python packages the assignment pins
        run: python -m pip install ${reqs.map(q).join(' ')}
` : ''}      - name: Run the checks
        id: dlgrade
        run: ${checkCommand(pack)}
      - name: Keep the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: ${REPORT_DIR}
          path: ${REPORT_DIR}/
`;
}

export function gitlabCi(pack: Pack, source: string): string {
  const reqs = pipRequirements(pack);
  return `# Runs the ${pack.spec.name} checks on every push (written by dlgrade init).
dlgrade:
  image: node:22-bookworm
  variables:
    # Where this course's dlgrade comes from: an npm package spec (name@version, a git URL with a
    # tag, a tarball URL). Pinned, so the checks here are the ones that grade the work.
    DLGRADE_SOURCE: ${q(source)}
  before_script:
    - apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
${reqs.length ? `    - pip3 install --break-system-packages ${reqs.map(q).join(' ')}\n` : ''}  script:
    - ${checkCommand(pack)}
  artifacts:
    when: always
    paths:
      - ${REPORT_DIR}/
    reports:
      junit: ${REPORT_DIR}/junit.xml
`;
}

export function studentReadme(pack: Pack, source: string): string {
  // Loaded here, not at start-up: only `init` needs it.
  const hb = (createRequire(import.meta.url)('handlebars') as typeof import('handlebars')).create();
  const template = hb.compile(fs.readFileSync(path.join(TEMPLATES, 'student-README.md.hbs'), 'utf8'), { noEscape: true });
  const reqs = pipRequirements(pack);
  return template({
    title: pack.spec.title,
    name: pack.spec.name,
    pack: STUDENT_PACK,
    source,
    requirementsText: reqs.length ? reqs.map((r) => `\`${r}\``).join(', ') : 'the packages your code uses',
    pipLine: reqs.map((r) => `'${r}'`).join(' '),
    command: checkCommand(pack),
    checks: pack.spec.checks.map((c, i) => ({ number: i + 1, id: c.id, points: c.points, title: c.title.replace(/\|/g, '\\|') })),
    total: pack.spec.checks.reduce((s, c) => s + c.points, 0),
  });
}

/** Writes the repository into `dir`; returns the files written, relative to it. */
export function initRepository(pack: Pack, dir: string, opts: InitOptions): string[] {
  const starter = path.join(pack.dir, 'starter');
  if (!fs.existsSync(starter)) throw new InitError(`${pack.spec.name} has no starter/ folder to hand out`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length && !opts.force) throw new InitError(`${dir} is not empty (use --force to write into it anyway)`);
  fs.mkdirSync(dir, { recursive: true });
  writeStudentEdition(pack, dir, { into: true });
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory() && /^(__pycache__|\.ipynb_checkpoints)$/.test(e.name)) fs.rmSync(path.join(e.parentPath, e.name), { recursive: true, force: true });
    else if (e.isFile() && e.name.endsWith('.pyc')) fs.rmSync(path.join(e.parentPath, e.name), { force: true });
  }
  const files: Record<string, string> = {
    'README.md': studentReadme(pack, opts.source),
    '.github/workflows/dlgrade.yml': githubWorkflow(pack, opts.source),
    '.gitlab-ci.yml': gitlabCi(pack, opts.source),
    '.gitignore': `${REPORT_DIR}/\n__pycache__/\n*.pyc\n.ipynb_checkpoints/\n`,
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  const all: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else all.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return all.sort();
}

export function initCommand(program: Command, _cli: Cli) {
  program
    .command('init')
    .description("scaffold a student's repository: the pack's starter, a README and CI workflows that run the checks")
    .argument('<pack>', "a shipped pack's name or a path to a pack")
    .argument('<dir>', 'the folder to create (must be empty unless --force)')
    .requiredOption('--source <spec>', "the npm package spec the student CI installs dlgrade from (name@version, git URL with a tag, tarball URL): the course's own, pinned")
    .option('--force', 'write into a folder that is not empty')
    .action((packName: string, dir: string, o) => {
      const pack = loadPack(packName);
      const files = initRepository(pack, path.resolve(dir), { source: o.source, force: !!o.force });
      console.log(`Wrote ${files.length} files into ${dir}: the ${pack.spec.name} starter, README.md, .github/workflows/dlgrade.yml, .gitlab-ci.yml`);
      console.log(`Student CI installs dlgrade from ${o.source} and checks against ${STUDENT_PACK}/, the student edition (published cases only).`);
    });
}
