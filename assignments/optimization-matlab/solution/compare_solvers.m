function [x_gd, x_fminunc, x_fminsearch] = compare_solvers(x0, lr, iters)
  % The minimizer of f from the start x0, found three ways: the last iterate of gradient descent
  % (step lr, iters steps), Octave's fminunc (quasi-Newton, its gradient by finite differences)
  % and fminsearch (Nelder-Mead, from values of f alone). Each is a 2x1 column.
  f = @(x) (2 - x(1))^2 + 10 * (x(2) - x(1)^2)^2;
  path = gradient_descent(x0, lr, iters);
  x_gd = path(end, :)';
  x_fminunc = fminunc(f, x0(:), optimset('TolFun', 1e-10, 'TolX', 1e-10));
  x_fminsearch = fminsearch(f, x0(:), optimset('TolFun', 1e-10, 'TolX', 1e-10, 'MaxFunEvals', 2000, 'MaxIter', 2000));
end
