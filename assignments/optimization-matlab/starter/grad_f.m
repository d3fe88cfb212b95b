function g = grad_f(x)
  % Gradient of f(x1, x2) = (2 - x1)^2 + 10 (x2 - x1^2)^2 at x = [x1; x2], as a 2x1 column.
  % Derive it by hand (chain rule). Check: grad_f([3; 4]) is [602; -100].
  % TODO: replace the zeros with df/dx1 and df/dx2.
  g = zeros(2, 1);
end
