function a = dlgrade_npy_read (file)
  % One .npy file (numpy's format, versions 1 to 3) as an Octave array of the matching class:
  % <f8 double, <f4 single, <i8 int64, <i4 int32, <i2 int16, |i1 int8, <u8 uint64, <u4 uint32,
  % <u2 uint16, |u1 uint8, |b1 logical; big-endian too. Read here rather than by a toolbox,
  % and exactly: the bits on disk are the bits of the array.
  %
  % Shapes. Octave has no arrays of fewer than two dimensions, so
  %   ()        a 0-d array        becomes 1 x 1 (a scalar),
  %   (n,)      a 1-d array        becomes n x 1 (a column),
  %   (m, n, ...)                  keeps its shape, element [i, j, ...] at (i+1, j+1, ...).
  % A C-order file lists the last index fastest and Octave stores the first index fastest: the
  % values are read into a vector, shaped with the dimensions reversed, then the dimensions are
  % put back in order (permute). Writing (dlgrade_npy_write) maps these back, except that a
  % column stays a column: (n,) comes back as (n, 1).
  [fid, why] = fopen (file, 'r');
  if (fid < 0)
    error ('dlgrade:npy', '%s: cannot open (%s)', file, why);
  end
  cleanup = onCleanup (@() fclose (fid));
  magic = fread (fid, [1 8], '*uint8');
  if (numel (magic) < 8 || ! isequal (magic(1:6), uint8 ([147 78 85 77 80 89])))
    error ('dlgrade:npy', '%s: not a .npy file', file);
  end
  if (magic(7) == 1)
    header_length = fread (fid, 1, 'uint16', 0, 'ieee-le');
  else
    header_length = fread (fid, 1, 'uint32', 0, 'ieee-le');
  end
  header = fread (fid, [1 header_length], '*char');
  [cls, precision, endian] = element_type (header, file);
  dims = shape_of (header, file);
  fortran = ! isempty (regexp (header, '''fortran_order''\s*:\s*True', 'once'));
  n = prod (dims);
  values = fread (fid, n, ['*' precision], 0, endian);
  if (numel (values) != n)
    error ('dlgrade:npy', '%s: shorter than its header says (%d of %d values)', file, numel (values), n);
  end
  if (strcmp (cls, 'logical'))
    values = values != 0;
  end
  switch (numel (dims))
    case 0
      a = reshape (values, 1, 1);
    case 1
      a = reshape (values, dims, 1);
    otherwise
      if (fortran)
        a = reshape (values, dims);
      else
        a = permute (reshape (values, fliplr (dims)), numel (dims):-1:1);
      end
  end
end

function [cls, precision, endian] = element_type (header, file)
  t = regexp (header, '''descr''\s*:\s*''([<>|=]?)([a-z])(\d+)''', 'tokens', 'once');
  if (isempty (t))
    error ('dlgrade:npy', '%s: no element type the driver knows in the header %s', file, strtrim (header));
  end
  types = struct ('f8', 'double', 'f4', 'single', 'i8', 'int64', 'i4', 'int32', 'i2', 'int16', ...
                  'i1', 'int8', 'u8', 'uint64', 'u4', 'uint32', 'u2', 'uint16', 'u1', 'uint8', 'b1', 'logical');
  code = [t{2} t{3}];
  if (! isfield (types, code))
    error ('dlgrade:npy', '%s: unsupported element type %s', file, [t{:}]);
  end
  cls = types.(code);
  precision = cls;
  if (strcmp (cls, 'logical'))
    precision = 'uint8';
  end
  endian = 'ieee-le';
  if (strcmp (t{1}, '>'))
    endian = 'ieee-be';
  end
end

function dims = shape_of (header, file)
  t = regexp (header, '''shape''\s*:\s*\(([\d,\s]*)\)', 'tokens', 'once');
  if (isempty (t))
    error ('dlgrade:npy', '%s: no shape in the header %s', file, strtrim (header));
  end
  parts = strsplit (t{1}, ',');
  parts = parts(! cellfun (@isempty, strtrim (parts)));
  dims = cellfun (@str2double, parts);
  if (isempty (dims))
    dims = zeros (1, 0);
  end
end
