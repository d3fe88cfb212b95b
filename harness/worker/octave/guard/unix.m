function varargout = unix (varargin)
  % Refused in student code: see ../driver.m (a message only; the sandbox is the barrier).
  error ('dlgrade:refused', 'unix() is not allowed in this assignment: the grader runs your functions without starting other programs');
end
