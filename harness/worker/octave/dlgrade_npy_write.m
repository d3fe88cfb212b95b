function dlgrade_npy_write (file, a)
  % Writes a real numeric or logical array as a C-order, little-endian .npy file (version 1.0),
  % the form harness/tensor/npy.ts reads. Written here, not by a toolbox the student's code could
  % replace, and exactly: a double's bits are written as they are.
  %
  % Element types follow the Python driver's: double <f8, single <f4, int64 <i8, int32 <i4,
  % uint8 |u1, logical |b1; int8, int16 and uint16 widen to <i4, uint32 and uint64 to <i8.
  %
  % Shapes: a 1 x 1 array (Octave's scalar) is written as a 0-d array, the counterpart of how a
  % 0-d input arrives; every other array keeps Octave's dimensions, so an n x 1 column is
  % (n, 1), a 1 x n row (1, n), and trailing singleton dimensions beyond the second are gone,
  % as Octave drops them. The caller has refused anything that already exists at `file`.
  [a, descr, precision] = on_disk (a);
  dims = size (a);
  if (isequal (dims, [1 1]))
    shape = '()';
  else
    shape = ['(' strjoin(arrayfun (@(d) sprintf ('%d', d), dims, 'UniformOutput', false), ', ') ')'];
  end
  header = sprintf ('{''descr'': ''%s'', ''fortran_order'': False, ''shape'': %s, }', descr, shape);
  % numpy pads the header with spaces and a newline so that the data starts on a 64-byte boundary.
  pad = mod (64 - mod (10 + numel (header) + 1, 64), 64);
  header = [header repmat(' ', 1, pad) "\n"];
  [fid, why] = fopen (file, 'w');
  if (fid < 0)
    error ('dlgrade:npy', '%s: cannot create (%s)', file, why);
  end
  cleanup = onCleanup (@() fclose (fid));
  fwrite (fid, uint8 ([147 78 85 77 80 89 1 0]), 'uint8');
  fwrite (fid, numel (header), 'uint16', 0, 'ieee-le');
  fwrite (fid, header, 'char');
  % C order: the last index fastest, the reverse of Octave's.
  values = permute (a, ndims (a):-1:1);
  count = fwrite (fid, values(:), precision, 0, 'ieee-le');
  if (count != numel (a))
    error ('dlgrade:npy', '%s: only %d of %d values could be written (the disk full, or a file size limit?)', file, count, numel (a));
  end
end

function [a, descr, precision] = on_disk (a)
  switch (class (a))
    case 'double'
      descr = '<f8'; precision = 'double';
    case 'single'
      descr = '<f4'; precision = 'single';
    case 'int64'
      descr = '<i8'; precision = 'int64';
    case {'uint32', 'uint64'}
      a = int64 (a); descr = '<i8'; precision = 'int64';
    case 'int32'
      descr = '<i4'; precision = 'int32';
    case {'int8', 'int16', 'uint16'}
      a = int32 (a); descr = '<i4'; precision = 'int32';
    case 'uint8'
      descr = '|u1'; precision = 'uint8';
    case 'logical'
      a = uint8 (a); descr = '|b1'; precision = 'uint8';
    otherwise
      error ('dlgrade:npy', 'cannot write an array of class %s', class (a));
  end
end
