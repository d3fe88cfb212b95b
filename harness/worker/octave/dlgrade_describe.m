function e = dlgrade_describe (err, root)
  % An error from the student's code as a student wants to read it: the message with the
  % submission's own paths made relative, and only the frames in their files (under `root`),
  % outermost first, each with file, line and the line's text.
  prefix = [root '/'];
  message = strrep (err.message, prefix, '');
  kind = 'exception';
  traceback = frames (err.stack, prefix);
  parse = regexp (err.message, '^parse error near line (\d+) of file (\S+)', 'tokens', 'once');
  if (! isempty (parse) && strncmp (parse{2}, prefix, numel (prefix)))
    % The file does not parse: nothing of it ran. Octave's own text shows the line and a caret.
    kind = 'import';
    where = sprintf ('%s, line %s', parse{2}(numel (prefix) + 1:end), parse{1});
    lines = strsplit (err.message, "\n");
    shown = ! cellfun (@isempty, regexp (lines, '^(>>>|\s+\^)', 'once'));
    what = strtrim (lines(2:end)(! shown(2:end) & ! cellfun (@isempty, strtrim (lines(2:end)))));
    what = strjoin (what, ' ');
    shown = lines(shown);
    message = sprintf ('parse error in %s: %s', where, what);
    traceback = sprintf ('  File "%s"\n%s', where, strjoin (shown, "\n"));
  elseif (strcmp (err.identifier, 'Octave:bad-alloc') || ! isempty (strfind (err.message, 'out of memory')))
    kind = 'memory';
    message = ['ran out of memory: ' message];
  elseif (strcmp (err.identifier, 'Octave:undefined-function'))
    name = regexp (err.message, '^''([^'']+)'' undefined', 'tokens', 'once');
    if (! isempty (name))
      message = sprintf ('%s (no variable or function of that name: is %s.m in your submission, named exactly so?)', message, name{1});
    end
  end
  e = struct ('kind', kind, 'message', cap (message, 2000), 'traceback', cap (traceback, 8000));
end

function text = frames (stack, prefix)
  lines = {};
  for k = numel (stack):-1:1
    f = stack(k);
    if (! strncmp (f.file, prefix, numel (prefix)))
      continue;
    end
    lines{end + 1} = sprintf ('  File "%s", line %d, in %s', f.file(numel (prefix) + 1:end), f.line, f.name);
    source = source_line (f.file, f.line);
    if (! isempty (source))
      lines{end + 1} = ['    ' source];
    end
  end
  text = strjoin (lines(max (1, end - 15):end), "\n");
end

function s = source_line (file, n)
  s = '';
  fid = fopen (file, 'r');
  if (fid < 0 || n < 1)
    return;
  end
  for k = 1:n
    s = fgetl (fid);
    if (! ischar (s))
      s = '';
      break;
    end
  end
  fclose (fid);
  s = cap (strtrim (s), 200);
end

function s = cap (s, n)
  if (numel (s) > n)
    s = [s(1:n) '...'];
  end
end
