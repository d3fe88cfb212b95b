function [x_gd, x_fminunc, x_fminsearch] = compare_solvers(x0, lr, iters)
  % The minimizer of f(x1, x2) = (2 - x1)^2 + 10 (x2 - x1^2)^2 from the start x0, found three ways:
  %   x_gd          the last iterate of your gradient_descent(x0, lr, iters)
  %   x_fminunc     Octave's fminunc on f from x0
  %   x_fminsearch  Octave's fminsearch on f from x0
  % each a 2x1 column. Choose tolerances (optimset) that let the solvers reach the minimum.
  % TODO
  error('compare_solvers: not implemented');
end
