# List elements of every coercible type: ints, floats, bools, null, strings.
derivation {
  name = "env-mixed-list";
  system = "x86_64-linux";
  builder = "/bin/sh";
  mixed = [ 1 "two" 3.5 true false null "end" ];
}
