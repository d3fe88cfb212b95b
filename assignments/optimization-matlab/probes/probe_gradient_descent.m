function out = probe_gradient_descent(in)
  % The student's descent, driven by their own grad_f, as the course runs it. iters arrives as a
  % double; passed as such, so that zeros(iters + 1, 2) and 1:iters work as students write them.
  out.path = gradient_descent(in.x0, in.lr, double(in.iters));
end
