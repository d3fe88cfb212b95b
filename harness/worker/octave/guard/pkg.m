function varargout = pkg (varargin)
  % Refused in student code: see ../driver.m (a message only; the sandbox is the barrier).
  error ('dlgrade:refused', 'pkg() is not allowed in this assignment: packages cannot be installed or loaded by the code; the grader provides what the assignment needs');
end
