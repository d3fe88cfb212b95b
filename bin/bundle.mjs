/**
 * Starting the CLI fast without a build step. Through tsx every TypeScript file and every package
 * file goes through a module loader hook (about a second before a command starts). So on first
 * use the CLI and the packages it imports are bundled into one file with esbuild (which tsx
 * ships), kept in .dlgrade-cache/build/ with the list of files it was made from, and rebuilt when
 * any of those files changes (size, time or inode). Where that cannot work (no esbuild, a
 * read-only install, DLGRADE_NO_BUNDLE=1), the CLI runs through tsx as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'harness', 'cli', 'main.ts');
const DIR = path.join(ROOT, '.dlgrade-cache', 'build');
const BUNDLE = path.join(DIR, 'cli.mjs');
const MANIFEST = path.join(DIR, 'cli.json');
/** Bumped when the way bundles are made changes. */
const FORMAT = 2;
/** Loaded on demand by the code itself (expression answers only): kept out of the bundle. */
const LAZY = ['mathjs'];
/**
 * JSON Schemas compiled at build time (ajv's standalone code) with the options the code compiles
 * them with: compiling the pack schema at start-up took longer than the rest of a cached re-run.
 */
const PRECOMPILED = [
  { schema: path.join(ROOT, 'harness', 'spec', 'assignment.schema.json'), options: { allErrors: true, strict: false } },
  { schema: path.join(ROOT, 'harness', 'results', 'result.schema.json'), options: { allErrors: false, strict: false, validateFormats: false } },
];

/** The CLI's module: from the bundle when it can be had, else through tsx. */
export async function loadCli() {
  if (process.env.DLGRADE_NO_BUNDLE !== '1') {
    try {
      if (!fresh()) await build();
      return await import(pathToFileURL(BUNDLE).href);
    } catch (e) {
      if (process.env.DLGRADE_DEBUG) process.stderr.write(`dlgrade: running without a bundle: ${e.stack ?? e}\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(ENTRY).href);
}

const stamp = (file) => {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : 'absent';
};

function fresh() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.format !== FORMAT || manifest.node !== process.version || manifest.bundle !== stamp(BUNDLE)) return false;
  return manifest.inputs.every(([file, s]) => stamp(file) === s);
}

async function esbuild() {
  try {
    return await import('esbuild');
  } catch {
    // Not hoisted to the top of node_modules: the copy tsx depends on.
    const fromTsx = createRequire(fileURLToPath(import.meta.resolve('tsx/esm/api')));
    return fromTsx('esbuild');
  }
}

async function build() {
  const { build: run } = await esbuild();
  fs.mkdirSync(DIR, { recursive: true });
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  // import.meta.url and import.meta.dirname must keep naming each source file (they find
  // driver.py, the templates, the repository): each file gets its own, written relative to the
  // bundle, so a copy of the repository with its bundle (a GPU runner's, say) still finds them.
  const keepMeta = {
    name: 'keep-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (a) => {
        const rel = JSON.stringify(path.relative(DIR, a.path).split(path.sep).join('/'));
        const url = `new URL(${rel}, import.meta.url).href`;
        return {
          loader: 'ts',
          contents: fs.readFileSync(a.path, 'utf8')
            .replaceAll('import.meta.url', url)
            .replaceAll('import.meta.dirname', `decodeURIComponent(new URL('.', ${url}).pathname).replace(/\\/$/, '')`),
        };
      });
    },
  };
  const precompiled = await precompileSchemas();
  const result = await run({
    entryPoints: [ENTRY],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    external: LAZY,
    metafile: true,
    logLevel: 'silent',
    plugins: [keepMeta, precompiled],
    // Packages written as CommonJS call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __dlgradeCreateRequire } from 'node:module'; const require = __dlgradeCreateRequire(import.meta.url);" },
  }).catch((e) => {
    fs.rmSync(tmp, { force: true });
    throw e;
  });
  const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(f));
  inputs.push(fileURLToPath(import.meta.url), path.join(ROOT, 'package.json'));
  fs.renameSync(tmp, BUNDLE);
  const manifest = { format: FORMAT, node: process.version, bundle: stamp(BUNDLE), inputs: [...new Set(inputs)].map((f) => [f, stamp(f)]) };
  fs.writeFileSync(`${MANIFEST}.${process.pid}.tmp`, JSON.stringify(manifest));
  fs.renameSync(`${MANIFEST}.${process.pid}.tmp`, MANIFEST);
}

/**
 * `ajv` as the bundle sees it: a class whose compile() returns the validator made at build time
 * when it is asked for exactly a schema and options of PRECOMPILED, and otherwise hands
 * everything to the real ajv, loaded only then. An import of anything else from ajv fails the
 * build, and the CLI then runs through tsx: slower, never wrong.
 */
async function precompileSchemas() {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const { Ajv } = require('ajv');
  const standalone = require('ajv/dist/standalone').default;
  const modules = PRECOMPILED.map(({ schema, options }) => {
    const json = JSON.parse(fs.readFileSync(schema, 'utf8'));
    const ajv = new Ajv({ ...options, code: { source: true, esm: true } });
    return { code: standalone(ajv, ajv.compile(json)), options: JSON.stringify(options), schema: JSON.stringify(json) };
  });
  const shim = `
${modules.map((_, i) => `import v${i} from 'dlgrade-validator:${i}';`).join('\n')}
const PRECOMPILED = [${modules.map((m, i) => `{ options: ${JSON.stringify(m.options)}, schema: ${JSON.stringify(m.schema)}, validate: v${i} }`).join(', ')}];
export class Ajv {
  constructor(options = {}) {
    const real = () => (this.real ??= new (require('ajv').Ajv)(options));
    const key = JSON.stringify(options);
    return new Proxy(this, {
      get: (target, name) => {
        if (name === 'compile') {
          return (schema, ...rest) => {
            const hit = !rest.length && PRECOMPILED.find((p) => p.options === key && p.schema === JSON.stringify(schema));
            return hit ? hit.validate : real().compile(schema, ...rest);
          };
        }
        const v = real()[name];
        return typeof v === 'function' ? v.bind(real()) : v;
      },
    });
  }
}
export default Ajv;
`;
  return {
    name: 'precompiled-ajv',
    setup(b) {
      b.onResolve({ filter: /^ajv$/ }, (a) => (a.namespace === 'dlgrade-ajv' ? undefined : { path: 'ajv', namespace: 'dlgrade-ajv' }));
      b.onResolve({ filter: /^dlgrade-validator:/ }, (a) => ({ path: a.path, namespace: 'dlgrade-ajv' }));
      b.onLoad({ filter: /.*/, namespace: 'dlgrade-ajv' }, (a) => ({
        contents: a.path === 'ajv' ? shim : modules[Number(a.path.split(':')[1])].code,
        loader: 'js',
        resolveDir: ROOT,
      }));
    },
  };
}
