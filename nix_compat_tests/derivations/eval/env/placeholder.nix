# builtins.placeholder gives the hash placeholder of an output, without context.
derivation {
  name = "env-placeholder";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputs = [ "out" "dev" ];
  selfRef = builtins.placeholder "out";
  devRef = "${builtins.placeholder "dev"}/include";
  otherRef = builtins.placeholder "doc";
}
