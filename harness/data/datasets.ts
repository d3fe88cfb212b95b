/**
 * Image classification data sets for training checks: the full set where it is installed (or
 * where the user points), and a small subset bundled in fixtures/ so that tests and the demo run
 * anywhere. Everything stays as bytes: a pixel is one byte here, never eight.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpz } from '../tensor/npz.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { DataError, readIdx } from './idx.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ImageSet {
  /** count × height × width bytes, C order. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface DataSet {
  name: string;
  /** Where it was read from: 'bundled subset (fixtures/...)' or the folder or file. */
  source: string;
  bundled: boolean;
  classes: number;
  train: ImageSet;
  test: ImageSet;
}

export interface KnownDataSet {
  name: string;
  classes: number;
  classNames: string[];
  /** The subset shipped in the repository. */
  bundled: string;
  /** Where a system package installs the full set. */
  system: string;
  /** The Debian package that installs it there. */
  debianPackage: string;
}

export const DATASETS: Record<string, KnownDataSet> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    classes: 10,
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    bundled: path.join(REPO_ROOT, 'fixtures', 'data', 'fashion-mnist', 'fashion-mnist-subset.npz'),
    system: '/usr/share/datasets/fashion-mnist',
    debianPackage: 'dataset-fashion-mnist',
  },
};

export function knownDataSet(name: string): KnownDataSet {
  const known = DATASETS[name];
  if (!known) throw new DataError(`unknown data set "${name}" (known: ${Object.keys(DATASETS).join(', ')})`);
  return known;
}

/**
 * Where to read a data set from. `choice` is what the user gave with --data: nothing or
 * 'bundled' for the subset in fixtures/, 'system' for the installed full set, or a path (a
 * folder of idx files, a folder holding one .npz, or an .npz).
 */
export function resolveData(name: string, choice?: string): string {
  const known = knownDataSet(name);
  if (!choice || choice === 'bundled') return known.bundled;
  if (choice === 'system' || choice === 'debian') {
    if (!fs.existsSync(known.system)) {
      throw new DataError(`the full ${name} data set is not installed at ${known.system} (on Debian: apt-get install -y ${known.debianPackage}), or give --data FOLDER`);
    }
    return known.system;
  }
  const p = path.resolve(choice);
  if (!fs.existsSync(p)) throw new DataError(`--data ${choice}: no such file or folder`);
  return p;
}

/** True when the full set is installed where the system package puts it. */
export const systemDataPresent = (name: string): boolean => idxFiles(knownDataSet(name).system) !== undefined;

const cache = new Map<string, DataSet>();

/** Reads (once per process) the data set at a place resolveData returned. */
export function loadDataSet(name: string, where: string): DataSet {
  const key = `${name}\0${where}`;
  let ds = cache.get(key);
  if (!ds) {
    ds = readDataSet(knownDataSet(name), where);
    cache.set(key, ds);
  }
  return ds;
}

function readDataSet(known: KnownDataSet, where: string): DataSet {
  const bundled = path.resolve(where) === path.resolve(known.bundled);
  const source = bundled ? `bundled subset (${path.relative(REPO_ROOT, known.bundled)})` : where;
  let train: ImageSet, test: ImageSet;
  if (fs.statSync(where).isDirectory()) {
    const idx = idxFiles(where);
    if (idx) {
      train = imageSet(readIdx(idx.trainImages), readIdx(idx.trainLabels), `${where} (training split)`);
      test = imageSet(readIdx(idx.testImages), readIdx(idx.testLabels), `${where} (test split)`);
    } else {
      const npz = fs.readdirSync(where).filter((f) => f.endsWith('.npz'));
      if (npz.length !== 1) {
        throw new DataError(`${where}: expected the four idx files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not) or exactly one .npz, found ${npz.length ? npz.join(', ') : 'neither'}`);
      }
      return readDataSet(known, path.join(where, npz[0]));
    }
  } else {
    ({ train, test } = readNpzSplits(where));
  }
  for (const [split, set] of [['training', train], ['test', test]] as const) {
    const bad = set.labels.findIndex((y) => y >= known.classes);
    if (bad >= 0) throw new DataError(`${where}: ${split} label ${bad} is ${set.labels[bad]}, not a class of ${known.name} (0..${known.classes - 1})`);
  }
  return { name: known.name, source, bundled, classes: known.classes, train, test };
}

interface IdxFiles { trainImages: string; trainLabels: string; testImages: string; testLabels: string }

function idxFiles(dir: string): IdxFiles | undefined {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return undefined;
  const find = (base: string) => [base, `${base}.gz`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  const files = {
    trainImages: find('train-images-idx3-ubyte'),
    trainLabels: find('train-labels-idx1-ubyte'),
    testImages: find('t10k-images-idx3-ubyte'),
    testLabels: find('t10k-labels-idx1-ubyte'),
  };
  return Object.values(files).every(Boolean) ? (files as IdxFiles) : undefined;
}

function imageSet(images: { shape: number[]; data: Uint8Array }, labels: { shape: number[]; data: Uint8Array }, what: string): ImageSet {
  if (images.shape.length !== 3) throw new DataError(`${what}: images must be N x H x W, got shape ${images.shape.join('x')}`);
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new DataError(`${what}: ${images.shape[0]} images but labels of shape ${labels.shape.join('x')}`);
  }
  const [count, height, width] = images.shape;
  return { images: images.data, labels: labels.data, count, height, width };
}

/**
 * The bundled subset's layout, which is also Keras's mnist.npz: x_train (N, H, W) uint8,
 * y_train (N,), x_test, y_test.
 */
function readNpzSplits(file: string): { train: ImageSet; test: ImageSet } {
  const arrays = readNpz(file);
  const bytes = (t: Tensor | undefined, key: string) => {
    if (!t) throw new DataError(`${file}: has no array "${key}" (expected x_train, y_train, x_test, y_test)`);
    const out = new Uint8Array(t.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = t.data[i];
      if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new DataError(`${file}: ${key} holds ${v}, not a byte (images are uint8, labels small integers)`);
      out[i] = v;
    }
    return { shape: t.shape, data: out };
  };
  return {
    train: imageSet(bytes(arrays.x_train, 'x_train'), bytes(arrays.y_train, 'y_train'), `${file} (training split)`),
    test: imageSet(bytes(arrays.x_test, 'x_test'), bytes(arrays.y_test, 'y_test'), `${file} (test split)`),
  };
}
