function out = probe_compare_solvers(in)
  % The three minimizers from the case's start. Each goes back as a 2x1 column whatever the
  % hand-in's layout: the grader evaluates f at the points, where they lie is what is checked.
  [x_gd, x_fminunc, x_fminsearch] = compare_solvers(in.x0, in.lr, double(in.iters));
  out.x_gd = x_gd(:);
  out.x_fminunc = x_fminunc(:);
  out.x_fminsearch = x_fminsearch(:);
end
