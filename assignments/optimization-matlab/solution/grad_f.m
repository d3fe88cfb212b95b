function g = grad_f(x)
  % Gradient of f(x1, x2) = (2 - x1)^2 + 10 (x2 - x1^2)^2, derived by hand with the chain rule:
  %   df/dx1 = -2 (2 - x1) + 20 (x2 - x1^2) * (-2 x1) = -2 (2 - x1) - 40 x1 (x2 - x1^2)
  %   df/dx2 = 20 (x2 - x1^2)
  % At (3, 4): [2 + 600; -100] = [602; -100]. A 2x1 column, whatever the shape of x.
  x1 = x(1);
  x2 = x(2);
  dx1 = -2 * (2 - x1) - 40 * x1 * (x2 - x1^2);
  dx2 = 20 * (x2 - x1^2);
  g = [dx1; dx2];
end
