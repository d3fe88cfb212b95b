function varargout = shell_cmd (varargin)
  % Refused in student code: see ../driver.m (a message only; the sandbox is the barrier).
  error ('dlgrade:refused', 'shell_cmd() is not allowed in this assignment: the grader runs your functions without starting other programs');
end
