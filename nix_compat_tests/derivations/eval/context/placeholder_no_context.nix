# placeholder strings carry no context and differ per output name.
{
  out = builtins.placeholder "out";
  dev = builtins.placeholder "dev";
  ctx = builtins.getContext (builtins.placeholder "out");
  user = derivation {
    name = "placeholder-user";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo > ${builtins.placeholder "out"}" ];
  };
}
