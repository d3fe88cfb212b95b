function quit (varargin)
  % Ending Octave would end the worker with every check after this one: an error instead.
  error ('dlgrade:refused', 'the code called quit(): a function must return its result, not end Octave');
end
