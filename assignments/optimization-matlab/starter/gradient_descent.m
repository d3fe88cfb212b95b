function path = gradient_descent(x0, lr, iters)
  % Runs iters steps of x <- x - lr * grad_f(x) from x0 (2x1) and returns the path: an
  % (iters + 1) x 2 matrix whose first row is x0 and whose row t + 1 is the point after t steps.
  % A step size that is too large makes the iterates blow up (Inf, NaN): let them, do not stop.
  % TODO: fill in the path.
  path = zeros(iters + 1, 2);
end
