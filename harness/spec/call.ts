/**
 * The call syntax of declarative probes and of Python reference ops:
 *
 *   layers.affine_forward(x, w, b) -> out, cache      a module's function; its results named
 *   layers.affine_backward(dout, cache) -> dx, dw, db a value of an earlier call passed on
 *   net = models.TwoLayerNet(hidden_dim=h)             one result, as `-> net` would
 *   net.loss(x, y) -> loss, grads                      a method of a value named earlier
 *   bn = {mode: 'train', eps: eps}                     a dict for the course's *_param arguments
 *   running_mean = bn['running_mean']                  an entry of a dict (updated in place)
 *
 * An argument is a name (a case input or an earlier result), a number, a string, True, False,
 * None, a {key: value} dict or name['key']; `name=value` passes it by keyword. `_` leaves a
 * result out. Parsed here, in the grader; the worker runs the probe generated from it
 * (harness/runner/call-probe.ts), so a check's spec needs no probe file.
 */

export type CallValue =
  | { name: string; key?: string }
  | { literal: string | number | boolean | null }
  | { dict: [string, CallValue][] };

export interface CallStep {
  text: string;
  /** A call's dotted target; absent for `name = value`. */
  target?: string[];
  args: CallValue[];
  kwargs: [string, CallValue][];
  /** `name = value`: the value. */
  value?: CallValue;
  /** Names given to the results ("_" for one left out). */
  returns: string[];
}

export class CallSyntaxError extends Error {}

type Token = { kind: 'id' | 'num' | 'str' | 'op'; text: string; value?: string | number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(->)|([A-Za-z_][A-Za-z0-9_]*)|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|'([^'\\]*)'|"([^"\\]*)"|([(),.=[\]{}:]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new CallSyntaxError(`cannot read "${text.slice(at).trim().slice(0, 20)}"`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'op', text: '->' });
    else if (m[2]) tokens.push({ kind: 'id', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'num', text: m[3], value: Number(m[3]) });
    else if (m[4] !== undefined || m[5] !== undefined) tokens.push({ kind: 'str', text: m[0].trim(), value: m[4] ?? m[5] });
    else tokens.push({ kind: 'op', text: m[6] });
  }
  return tokens;
}

export function parseCall(text: string): CallStep {
  const t = tokenize(text);
  let i = 0;
  const peek = (s?: string) => (s === undefined ? t[i] : t[i]?.text === s && t[i].kind === 'op' ? t[i] : undefined);
  const take = (s: string) => {
    if (!peek(s)) throw new CallSyntaxError(`expected "${s}"${t[i] ? ` before "${t[i].text}"` : ' at the end'}`);
    i++;
  };
  const ident = (): string => {
    const tok = t[i];
    if (tok?.kind !== 'id') throw new CallSyntaxError(`expected a name${tok ? ` before "${tok.text}"` : ' at the end'}`);
    i++;
    return tok.text;
  };
  const value = (): CallValue => {
    const tok = t[i];
    if (!tok) throw new CallSyntaxError('expected a value at the end');
    if (tok.kind === 'num' || tok.kind === 'str') {
      i++;
      return { literal: tok.value! };
    }
    if (peek('{')) {
      i++;
      const dict: [string, CallValue][] = [];
      while (!peek('}')) {
        const k = t[i];
        if (k?.kind !== 'id' && k?.kind !== 'str') throw new CallSyntaxError('expected a dict key');
        i++;
        take(':');
        dict.push([String(k.value ?? k.text), value()]);
        if (!peek('}')) take(',');
      }
      i++;
      return { dict };
    }
    const name = ident();
    if (name === 'True' || name === 'False') return { literal: name === 'True' };
    if (name === 'None') return { literal: null };
    if (peek('[')) {
      i++;
      const k = t[i];
      if (k?.kind !== 'str') throw new CallSyntaxError(`${name}[...] takes a quoted key`);
      i++;
      take(']');
      return { name, key: String(k.value) };
    }
    return { name };
  };

  const step: CallStep = { text, args: [], kwargs: [], returns: [] };
  const call = (head: string) => {
    step.target = [head];
    while (peek('.')) {
      i++;
      step.target.push(ident());
    }
    take('(');
    while (!peek(')')) {
      if (t[i]?.kind === 'id' && t[i + 1]?.text === '=' && t[i + 1].kind === 'op') {
        const k = ident();
        i++;
        step.kwargs.push([k, value()]);
      } else {
        if (step.kwargs.length) throw new CallSyntaxError('a positional argument after a keyword one');
        step.args.push(value());
      }
      if (!peek(')')) take(',');
    }
    i++;
  };
  const first = ident();
  if (peek('=')) {
    i++;
    step.returns = [first];
    const next = t[i + 1];
    if (t[i]?.kind === 'id' && next?.kind === 'op' && (next.text === '.' || next.text === '(')) call(ident());
    else step.value = value();
  } else {
    call(first);
    if (peek('->')) {
      i++;
      step.returns.push(ident());
      while (peek(',')) {
        i++;
        step.returns.push(ident());
      }
    }
  }
  if (i < t.length) throw new CallSyntaxError(`unexpected "${t[i].text}"`);
  const named = step.returns.filter((r) => r !== '_');
  if (new Set(named).size !== named.length) throw new CallSyntaxError('a result is named twice');
  return step;
}

/** The names a value reads. */
export function namesRead(v: CallValue): string[] {
  if ('name' in v) return [v.name];
  if ('dict' in v) return v.dict.flatMap(([, x]) => namesRead(x));
  return [];
}

/** The names a step reads: its arguments, and a method call's object. */
export function stepReads(step: CallStep, bound: ReadonlySet<string>): string[] {
  const own = step.value ? namesRead(step.value) : [...step.args, ...step.kwargs.map(([, v]) => v)].flatMap(namesRead);
  const object = step.target && bound.has(step.target[0]) ? [step.target[0]] : [];
  return [...object, ...own];
}
