# Without structured attrs `outputs` is coerced to one string and split at whitespace, so
# [ "out" "a b" ] makes three outputs out, a and b -- while the `derivation` wrapper looks for an
# output "a b" that does not exist.  The raw derivationStrict result shows the three outputs; the
# derivation's `outputs` is narrowed to "out" so that the summary does not ask for "a b".
let
  attrs = {
    name = "tokenized";
    system = "x86_64-linux";
    builder = "/bin/sh";
    outputs = [ "out" "a b" ];
  };
in {
  strict = builtins.derivationStrict attrs;
  drv = derivation attrs // { outputs = [ "out" ]; };
}
