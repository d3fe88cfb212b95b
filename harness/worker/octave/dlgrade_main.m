function dlgrade_main (args, here)
  % The driver's loop: see driver.m for the protocol and the trust model. The helpers are local
  % functions of this file: Octave looks those up before anything else, so no file of the
  % student's can take their place, even while the submission is on the path.
  opts = parse_args (args);
  quiet_settings ();
  root = canonicalize_file_name (opts.submission);
  if (isempty (root))
    fail_start (sprintf ('the submission folder %s does not exist', opts.submission));
  end
  folders = student_folders (root, opts.paths);
  [req, rep] = open_channel (opts.req_fd, opts.rep_fd);
  ctx = struct ('root', root, 'here', here);
  ctx.folders = folders;
  % The guards and the probes' folders stay on the path: they hold no name the driver uses, and
  % every change of the path costs milliseconds. The student's folders come in front of them
  % while a probe runs (their own system.m is theirs to call).
  addpath (fullfile (here, 'guard'));
  reply (rep, struct ('type', 'hello', 'pid', getpid (), 'environment', struct ('octave', OCTAVE_VERSION)));
  while (true)
    line = fgetl (req);
    if (! ischar (line))
      exit_now ();  % the grader closed the channel
    end
    msg = decode (line);  % the empty lines the relay adds decode to nothing
    if (isempty (msg))
      continue;
    end
    if (strcmp (msg.type, 'exit'))
      exit_now ();
    elseif (strcmp (msg.type, 'run'))
      reply (rep, run_request (msg, ctx));
    elseif (strcmp (msg.type, 'selfcheck'))
      % Answered, not ignored: the grader would otherwise wait out the check's time limit.
      reply (rep, refused_request (msg, 'the Octave driver does not answer selfcheck requests (derivatives of the student''s own forward)'));
    end
  end
end

% ---------------------------------------------------------------------------------------------
% Start-up

function opts = parse_args (args)
  opts = struct ('submission', '', 'req_fd', -1, 'rep_fd', -1);
  opts.paths = {};
  k = 1;
  while (k <= numel (args))
    flag = args{k};
    if (k == numel (args))
      fail_start (sprintf ('%s needs a value', flag));
    end
    value = args{k + 1};
    switch (flag)
      case '--submission'
        opts.submission = value;
      case '--req-fd'
        opts.req_fd = str2double (value);
      case '--rep-fd'
        opts.rep_fd = str2double (value);
      case '--path'
        opts.paths{end + 1} = value;
      otherwise
        % Limits (--limit-as, ...) are not ours to apply: Octave has no setrlimit, so the
        % launcher applies them (prlimit) before Octave starts.
        fail_start (sprintf ('unknown option %s', flag));
    end
    k += 2;
  end
  if (isempty (opts.submission) || ! (opts.req_fd >= 0) || ! (opts.rep_fd >= 0))
    fail_start ('usage: driver.m --submission DIR --req-fd N --rep-fd N [--path P ...]');
  end
end

function fail_start (why)
  fputs (stderr, ['dlgrade driver: ' why "\n"]);
  builtin ('exit', 2);
end

function quiet_settings ()
  % No pager, and no octave-workspace file dumped into the current folder when the grader
  % stops the process.
  more off;
  page_screen_output (false);
  crash_dumps_octave_core (false);
  sighup_dumps_octave_core (false);
  sigterm_dumps_octave_core (false);
  % Adding the submission to the path would warn once per request for each of the student's
  % files named like a built-in (their own numel.m, say): theirs is what their code gets.
  warning ('off', 'Octave:shadowed-function');
end

function folders = student_folders (root, paths)
  if (isempty (paths))
    paths = {'.'};
  end
  folders = {};
  for k = 1:numel (paths)
    p = canonicalize_file_name (fullfile (root, paths{k}));
    if (! isempty (p))
      folders{end + 1} = p;
    end
  end
end

function [req, rep] = open_channel (req_fd, rep_fd)
  % Each end is relayed by a process started here, before any student code runs, that closes
  % both descriptors in itself once its redirection is made. Two reasons: Node gives a child
  % socket pairs, not pipes, and a socket can be neither opened again through /dev/fd nor adopted
  % by Octave as a stream; and fgetl returns a line only once the byte after its newline has
  % arrived (Octave peeks for the end of the file), so `sed -u G` follows each request with an
  % empty line, which the loop skips: the request is answered at once, not when the next comes.
  closing = sprintf ('%d<&- %d<&-', req_fd, rep_fd);
  req = builtin ('popen', sprintf ('exec sed -u G <&%d %s', req_fd, closing), 'r');
  rep = builtin ('popen', sprintf ('exec cat >&%d %s', rep_fd, closing), 'w');
  if (req < 0 || rep < 0)
    fail_start (sprintf ('cannot open the channel on descriptors %d and %d', req_fd, rep_fd));
  end
end

% ---------------------------------------------------------------------------------------------
% Messages

function reply (rep, msg)
  % What the student printed first goes out first: their stdout is buffered when it is a pipe.
  fflush (stdout);
  fflush (stderr);
  fputs (rep, ["\n" jsonencode(msg) "\n"]);
  fflush (rep);
end

function msg = decode (line)
  msg = [];
  try
    m = jsondecode (line);
  catch
    return;  % not a message of ours
  end
  if (isstruct (m) && isscalar (m) && isfield (m, 'type') && ischar (m.type))
    msg = m;
  end
end

function exit_now ()
  % At once: Octave's own exit would first run the functions the student registered with atexit.
  fflush (stdout);
  fflush (stderr);
  kill (getpid (), 9);
end

% ---------------------------------------------------------------------------------------------
% Running a probe

function answer = result_head (msg)
  answer = struct ('type', 'result', 'id', [], 'nonce', '');
  if (isfield (msg, 'id'))
    answer.id = msg.id;
  end
  if (isfield (msg, 'nonce'))
    answer.nonce = msg.nonce;
  end
end

function answer = refused_request (msg, why)
  answer = result_head (msg);
  answer.ok = false;
  answer.error = grader_problem (why);
  answer.seconds = 0;
end

function answer = run_request (msg, ctx)
  started = time ();
  answer = result_head (msg);
  if (isfield (msg, 'entry') && strcmp (msg.entry, 'warm_up'))
    % Untimed device start-up before a timed run: an Octave probe has nothing to warm.
    answer.ok = true;
    answer.outputs = struct ();
    answer.seconds = time () - started;
    return;
  end
  [outputs, problem, timing] = run_probe (msg, ctx);
  if (isempty (problem))
    answer.ok = true;
    answer.outputs = outputs;
  else
    answer.ok = false;
    answer.error = problem;
  end
  answer.seconds = time () - started;
  answer.timing = timing;
end

function [outputs, problem, timing] = run_probe (msg, ctx)
  outputs = struct ();
  problem = [];
  timing = struct ('arrays', 0, 'load', 0, 'run', 0);
  t0 = time ();
  try
    [probe_dir, probe_name] = fileparts (msg.probe);
    in = read_inputs (msg);
    outdir = msg.outdir;
  catch err
    problem = grader_problem (sprintf ('the request cannot be read: %s', err.message));
    return;
  end
  problem = name_clash (ctx.folders, probe_name);
  if (! isempty (problem))
    return;
  end
  t1 = time ();
  if (! any (strcmp (probe_dir, strsplit (path (), pathsep))))
    addpath (probe_dir);  % for good: the probes may share helpers beside them
  end
  % Taken after the probes' folder is in: a path that differs from it afterwards is set again
  % whole, which costs tens of milliseconds (every folder's PKG_ADD runs again).
  saved = struct ('path', path (), 'cwd', ctx.here, 'warning', warning ());
  saved.added = ctx.folders;
  failure = [];
  try
    enter_student (ctx, saved.added);
    out = builtin ('feval', probe_name, in);
  catch err
    failure = err;
  end
  leave_student (saved);
  t2 = time ();
  timing.run = t2 - t1;
  if (! isempty (failure))
    problem = dlgrade_describe (failure, ctx.root);
  else
    [outputs, problem] = write_outputs (out, outdir);
  end
  timing.arrays = (t1 - t0) + (time () - t2);
end

function in = read_inputs (msg)
  in = struct ();
  if (isfield (msg, 'inputs') && isstruct (msg.inputs))
    for name = fieldnames (msg.inputs)'
      in.(name{1}) = dlgrade_npy_read (msg.inputs.(name{1}));
    end
  end
  % Text inputs (a device name) come in the request itself: they are not arrays.
  if (isfield (msg, 'text') && isstruct (msg.text))
    for name = fieldnames (msg.text)'
      value = msg.text.(name{1});
      if (! ischar (value))
        value = num2str (value);
      end
      in.(name{1}) = value;
    end
  end
end

function problem = name_clash (folders, probe_name)
  % Checked with the submission off the path, so that these lookups are Octave's own.
  problem = [];
  for k = 1:numel (folders)
    for name = {'builtin', probe_name}
      found = [glob(fullfile (folders{k}, [name{1} '.*'])); glob(fullfile (folders{k}, '@*', [name{1} '.*']))];
      found = found(! cellfun (@isempty, regexp (found, '\.(m|oct|mex|p)$', 'once')));
      if (isempty (found))
        continue;
      end
      file = found{1}(numel (folders{k}) + 2:end);
      if (strcmp (name{1}, 'builtin'))
        why = 'that is the name of Octave''s own builtin function, which the grader needs to run your code; rename it';
      else
        why = 'that is the name of the grader''s probe for this check; rename it';
      end
      problem = struct ('kind', 'exception', 'message', sprintf ('your submission has %s: %s', file, why), 'traceback', '');
      return;
    end
  end
end

function enter_student (ctx, added)
  % The student's folders in front (after the current folder, which Octave always searches
  % first). Added, not set with path (...): setting the path runs every folder's PKG_ADD again,
  % Octave's own included, and those would run with the student's files in reach.
  builtin ('addpath', added{:});
  builtin ('cd', ctx.root);
end

function leave_student (saved)
  % Until the student's folders are off the path, this looks up no name but `builtin` (name_clash
  % made sure the submission has no file of that name): each call goes straight to Octave's own
  % function. Then whatever the student changed that the driver's own code depends on is put back.
  builtin ('cd', saved.cwd);
  builtin ('warning', 'off', 'all');  % rmpath warns of a folder the student removed already
  for folder = saved.added
    try
      builtin ('rmpath', folder{1});
    catch
    end
  end
  if (! builtin ('strcmp', builtin ('path'), saved.path))
    builtin ('path', saved.path);  % the student's code changed the path itself
  end
  warning (saved.warning);
  page_screen_output (false);
  debug_on_error (false);
  debug_on_warning (false);
  debug_on_interrupt (false);
end

function problem = grader_problem (message)
  problem = struct ('kind', 'exception', 'message', message, 'traceback', '');
end

% ---------------------------------------------------------------------------------------------
% Outputs

% Far beyond any check's output (256 MB of doubles): a larger array is a mistake or an attack.
function n = max_elements ()
  n = 2^25;
end

function [written, problem] = write_outputs (out, outdir)
  written = struct ();
  problem = [];
  if (! isstruct (out) || ! isscalar (out))
    problem = bad_output (sprintf ('the probe returned %s instead of a struct of outputs', describe_value (out)));
    return;
  end
  names = fieldnames (out);
  if (numel (names) > 64)
    problem = bad_output (sprintf ('the probe returned %d outputs, more than the grader accepts', numel (names)));
    return;
  end
  if (! isfolder (outdir))
    [ok, why] = mkdir (outdir);
    if (! ok)
      problem = grader_problem (sprintf ('cannot create the output folder: %s', why));
      return;
    end
  end
  for k = 1:numel (names)
    name = names{k};
    [value, why] = output_array (name, out.(name));
    if (! isempty (why))
      problem = bad_output (why);
      return;
    end
    file = fullfile (outdir, [name '.npy']);
    [~, missing] = lstat (file);
    if (missing == 0)
      problem = bad_output (sprintf ('%s: something else already created the output file', name));
      return;
    end
    try
      dlgrade_npy_write (file, value);
    catch err
      problem = grader_problem (sprintf ('%s: cannot be written: %s', name, err.message));
      return;
    end
    written.(name) = file;
  end
end

function [value, why] = output_array (name, value)
  % A plain real numeric or logical array, or why not. The class is asked of the built-in:
  % an object of the student's own class could answer otherwise.
  why = '';
  cls = builtin ('class', value);
  numeric = {'double', 'single', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'logical'};
  if (! any (strcmp (cls, numeric)))
    why = sprintf ('%s: returned %s, not a numeric array', name, describe_value (value));
  elseif (strcmp (cls, 'double') && isequal (size (value), [0 0]))
    why = sprintf ('%s: the code returned [] (is this part still a TODO?)', name);
  elseif (! isreal (value))
    why = sprintf ('%s: returned complex numbers (a square root or log of a negative number?)', name);
  elseif (numel (value) > max_elements ())
    why = sprintf ('%s: an array of size %s (%d elements), far larger than any output a check expects', ...
                   name, strjoin (arrayfun (@num2str, size (value), 'UniformOutput', false), 'x'), numel (value));
  elseif (issparse (value))
    value = full (value);
  end
end

function s = describe_value (value)
  cls = builtin ('class', value);
  switch (cls)
    case 'char'
      s = 'text (a char array)';
    case 'cell'
      s = 'a cell array';
    case 'struct'
      s = 'a struct';
    case 'function_handle'
      s = 'a function handle';
    otherwise
      s = sprintf ('a value of class %s', cls);
  end
end

function problem = bad_output (message)
  problem = struct ('kind', 'bad-output', 'message', message, 'traceback', '');
end
