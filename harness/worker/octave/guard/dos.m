function varargout = dos (varargin)
  % Refused in student code: see ../driver.m (a message only; the sandbox is the barrier).
  error ('dlgrade:refused', 'dos() is not allowed in this assignment: the grader runs your functions without starting other programs');
end
