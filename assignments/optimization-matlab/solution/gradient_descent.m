function path = gradient_descent(x0, lr, iters)
  % Runs iters steps of x <- x - lr * grad_f(x) from x0. Returns the whole path, an
  % (iters + 1) x 2 matrix whose first row is x0 and whose row t + 1 is the point after t steps.
  %
  % A step size that is too large makes the iterates blow up: that is a result to look at (the
  % path ends in Inf or NaN), not an error, so the loop keeps going.
  x = x0(:);
  path = zeros(iters + 1, 2);
  path(1, :) = x';
  for t = 1:iters
    x = x - lr * grad_f(x);
    path(t + 1, :) = x';
  end
end
