function out = probe_grad_f(in)
  % The student's gradient at the case's point. x arrives as a 2x1 column (the grader's (2,)
  % array); the gradient goes back as the hand-in returns it, which the spec says is 2x1.
  out.g = grad_f(in.x);
end
