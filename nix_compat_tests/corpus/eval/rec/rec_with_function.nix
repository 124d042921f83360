rec {
  double = x: x * 2;
  result = double four;
  four = 4;
}.result
